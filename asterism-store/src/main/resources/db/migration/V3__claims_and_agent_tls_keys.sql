-- Which server works on a row, and until when: a reconciler claims due rows before acting on them, so two servers
-- on one database never work on the same VM, constellation or member. A claim past its time is free to take.
ALTER TABLE vms ADD COLUMN claimed_by VARCHAR(64);
ALTER TABLE vms ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE constellations ADD COLUMN claimed_by VARCHAR(64);
ALTER TABLE constellations ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE members ADD COLUMN claimed_by VARCHAR(64);
ALTER TABLE members ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;

-- The TLS key a VM's agent registered with, beside its sealing key: a registration repeated with both keys (its
-- answer was lost) gets its certificate again; any other second registration is refused.
ALTER TABLE vms ADD COLUMN agent_tls_key VARCHAR(400);

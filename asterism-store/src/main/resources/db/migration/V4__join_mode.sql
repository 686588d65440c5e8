-- In which order members join the domain and the VPN: PORTS (the default: a join-port lease on the controller) or
-- VPN_FIRST (the VPN first, then the join through the tunnel; no port is ever opened).
ALTER TABLE constellations ADD COLUMN join_mode VARCHAR(16) DEFAULT 'PORTS' NOT NULL;

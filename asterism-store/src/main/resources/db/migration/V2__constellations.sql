-- Constellations and their members, and the agents' sealing keys.
CREATE INDEX audit_events_target ON audit_events (target, seq);
ALTER TABLE vms ADD COLUMN agent_public_key VARCHAR(100);

CREATE TABLE constellations (
    id VARCHAR(36) PRIMARY KEY,
    name VARCHAR(63) NOT NULL,
    -- the name while not destroyed, NULL after, as for VMs
    live_name VARCHAR(63) UNIQUE,
    owner_name VARCHAR(32) NOT NULL,
    controller_brick VARCHAR(63) NOT NULL,
    controller_vm VARCHAR(63) NOT NULL,
    domain VARCHAR(253) NOT NULL,
    overlay_subnet VARCHAR(18) NOT NULL,
    state VARCHAR(16) NOT NULL,
    reason VARCHAR(2000),
    hub_public_key VARCHAR(100),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    next_check_at TIMESTAMP WITH TIME ZONE,
    attempts INT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX constellations_next_check ON constellations (next_check_at);

CREATE TABLE members (
    id VARCHAR(36) PRIMARY KEY,
    constellation VARCHAR(63) NOT NULL,
    name VARCHAR(63) NOT NULL,
    -- constellation/name while the member is not removed, NULL after
    live_key VARCHAR(130) UNIQUE,
    brick VARCHAR(63) NOT NULL,
    profile VARCHAR(63),
    vm_name VARCHAR(63),
    overlay_address VARCHAR(15) NOT NULL,
    phase VARCHAR(16) NOT NULL,
    removal_requested BOOLEAN NOT NULL,
    member_condition VARCHAR(2000),
    sealed_bundle VARCHAR(16000),
    join_status VARCHAR(16),
    vpn_public_key VARCHAR(100),
    phase_started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    next_check_at TIMESTAMP WITH TIME ZONE,
    attempts INT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX members_next_check ON members (next_check_at);
CREATE INDEX members_constellation ON members (constellation);
CREATE INDEX members_vm ON members (vm_name);

-- The people of a constellation: Asterism users with a domain account in it. A person's password is never here.
CREATE TABLE people (
    id VARCHAR(36) PRIMARY KEY,
    constellation VARCHAR(63) NOT NULL,
    username VARCHAR(32) NOT NULL,
    -- constellation/username while the person is not removed, NULL after
    live_key VARCHAR(100) UNIQUE,
    state VARCHAR(16) NOT NULL,
    person_condition VARCHAR(2000),
    password_set BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX people_constellation ON people (constellation);
CREATE INDEX people_username ON people (username);

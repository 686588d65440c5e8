-- Security levels (rank 0 the lowest), what users are cleared for and bricks approved for, projects (a level, a
-- quota, members with a role) and teams. Everything made before projects goes to the project 'default' at the
-- lowest level.
CREATE TABLE security_levels (
    name VARCHAR(63) PRIMARY KEY,
    level_rank INT NOT NULL,
    description VARCHAR(1024) NOT NULL
);
INSERT INTO security_levels (name, level_rank, description) VALUES ('public', 0, 'the lowest level');

-- A user or brick without a row here is at the lowest level.
CREATE TABLE clearances (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    level_name VARCHAR(63) NOT NULL
);
CREATE TABLE brick_levels (
    brick VARCHAR(63) PRIMARY KEY REFERENCES bricks (name) ON DELETE CASCADE,
    level_name VARCHAR(63) NOT NULL
);

CREATE TABLE projects (
    name VARCHAR(63) PRIMARY KEY,
    description VARCHAR(1024) NOT NULL,
    level_name VARCHAR(63) NOT NULL,
    -- every user cleared for the level takes part as a researcher, without being named
    open_to_all BOOLEAN NOT NULL,
    -- NULL: no limit
    max_constellations INT,
    max_vms INT,
    max_vcpus INT,
    max_memory_gib INT,
    max_disk_gib INT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
INSERT INTO projects (name, description, level_name, open_to_all, created_at)
    VALUES ('default', 'open to everyone; what names no project goes here', 'public', TRUE, CURRENT_TIMESTAMP);

CREATE TABLE project_members (
    project VARCHAR(63) NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_role VARCHAR(16) NOT NULL,
    PRIMARY KEY (project, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);

ALTER TABLE vms ADD COLUMN project VARCHAR(63) DEFAULT 'default' NOT NULL;
ALTER TABLE constellations ADD COLUMN project VARCHAR(63) DEFAULT 'default' NOT NULL;
CREATE INDEX vms_project ON vms (project);
CREATE INDEX constellations_project ON constellations (project);

-- Teams: named sets of users. Brick grants and places in projects go to users or to teams.
CREATE TABLE teams (
    name VARCHAR(63) PRIMARY KEY,
    description VARCHAR(1024) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE TABLE team_members (
    team VARCHAR(63) NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);
CREATE TABLE brick_team_grants (
    brick VARCHAR(63) NOT NULL REFERENCES bricks (name) ON DELETE CASCADE,
    team VARCHAR(63) NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
    grant_level VARCHAR(16) NOT NULL,
    PRIMARY KEY (brick, team)
);
CREATE TABLE project_teams (
    project VARCHAR(63) NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
    team VARCHAR(63) NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
    project_role VARCHAR(16) NOT NULL,
    PRIMARY KEY (project, team)
);

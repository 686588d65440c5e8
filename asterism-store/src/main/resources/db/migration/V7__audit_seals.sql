-- Seals of the audit chain: each event's hash and the head, sealed with a key kept outside the database (null for
-- events written before the server had one).
ALTER TABLE audit_events ADD COLUMN seal CHAR(64);
ALTER TABLE audit_head ADD COLUMN seal CHAR(64);

-- Which way the clipboard of a constellation's desktop sessions carries data (OFF, TO_DESKTOP, FROM_DESKTOP, BOTH),
-- off unless its owner chose otherwise, and the rule each member's desktop was last given (null before the first).
ALTER TABLE constellations ADD COLUMN clipboard VARCHAR(16) DEFAULT 'OFF' NOT NULL;
ALTER TABLE members ADD COLUMN clipboard VARCHAR(16);

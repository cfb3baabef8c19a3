-- The lists of drives and charging sessions are newest first across the
-- account's cars (ORDER BY started_at DESC, id DESC LIMIT n): without an
-- index on that order every request read and sorted all of them (2.5 ms
-- for 287 sessions in make bench, growing with the years).
CREATE INDEX charging_sessions_newest ON charging_sessions (started_at DESC, id DESC);
CREATE INDEX drives_newest ON drives (started_at DESC, id DESC);

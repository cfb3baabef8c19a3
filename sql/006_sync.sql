-- 006: sync job runs and the Fleet API call ledger (usage and cost).

-- One row per job run.  POST /api/sync/trigger inserts a 'queued' row (at
-- most one per job: a second insert fails with unique_violation, so the
-- handler can answer with the existing run); cron or the worker claims it
-- with
--   UPDATE sync_runs SET status = 'running', started_at = now()
--   WHERE id = (SELECT id FROM sync_runs WHERE job = $1 AND status = 'queued'
--               ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED)
--   RETURNING id;
-- A cron run that was not queued is inserted directly as 'running'.
CREATE TABLE sync_runs (
	id		bigint		GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job		text		NOT NULL CHECK (job ~ '^[a-z][a-z0-9_]{0,31}$'),
	trigger		text		NOT NULL CHECK (trigger IN ('cron', 'manual')),
	status		text		NOT NULL DEFAULT 'queued'
	    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
	requested_by	uuid		REFERENCES accounts (id) ON DELETE SET NULL,
	queued_at	timestamptz	NOT NULL DEFAULT now(),
	started_at	timestamptz,
	finished_at	timestamptz,
	items_ok	integer		NOT NULL DEFAULT 0 CHECK (items_ok >= 0),
	items_failed	integer		NOT NULL DEFAULT 0 CHECK (items_failed >= 0),
	items_skipped	integer		NOT NULL DEFAULT 0 CHECK (items_skipped >= 0),
	api_calls	integer		NOT NULL DEFAULT 0 CHECK (api_calls >= 0),
	api_cost	numeric(10,4)	NOT NULL DEFAULT 0 CHECK (api_cost >= 0),
	details		jsonb		NOT NULL DEFAULT '{}'
	    CHECK (jsonb_typeof(details) = 'object'),
	error		text		CHECK (length(error) <= 2000),
	message		text		CHECK (length(message) <= 2000),
	CONSTRAINT sync_runs_started CHECK (
	    status IN ('queued', 'skipped') OR started_at IS NOT NULL),
	CONSTRAINT sync_runs_finished CHECK (
	    (status IN ('queued', 'running')) = (finished_at IS NULL)),
	CONSTRAINT sync_runs_time_order CHECK (finished_at >= started_at)
);

COMMENT ON TABLE sync_runs IS
    'Every tessie-sync job run: queued (by POST /api/sync/trigger), running, '
    'then succeeded, failed or skipped.  New queued rows are announced by '
    'NOTIFY tessie_sync (payload: the job name).';
COMMENT ON COLUMN sync_runs.job IS 'tessie-sync job name, e.g. vehicles, energy, energy_daily.';
COMMENT ON COLUMN sync_runs.trigger IS 'cron (scheduled) or manual (POST /api/sync/trigger).';
COMMENT ON COLUMN sync_runs.requested_by IS 'Account that queued a manual run.';
COMMENT ON COLUMN sync_runs.api_cost IS 'Fleet API cost of the run, USD.';
COMMENT ON COLUMN sync_runs.details IS 'Job-specific counters and notes.';
COMMENT ON COLUMN sync_runs.error IS 'Why the run failed; never contains tokens or locations.';

-- At most one pending run per job; also the queue index for the claim above.
CREATE UNIQUE INDEX sync_runs_one_queued ON sync_runs (job) WHERE status = 'queued';
-- GET /api/sync/status: the latest runs of each job.
CREATE INDEX sync_runs_job_queued ON sync_runs (job, queued_at DESC);
-- GET /api/health: age of the last successful sync.
CREATE INDEX sync_runs_succeeded ON sync_runs (finished_at DESC)
    WHERE status = 'succeeded';

CREATE FUNCTION tessie_notify_sync_run()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
	PERFORM pg_notify('tessie_sync', NEW.job);
	RETURN NULL;
END;
$$;

CREATE TRIGGER sync_runs_notify AFTER INSERT ON sync_runs
    FOR EACH ROW WHEN (NEW.status = 'queued')
    EXECUTE FUNCTION tessie_notify_sync_run();

-- Every Fleet API call, with its price, for "this month's spend" and the
-- monthly budget.  Tesla bills every status below 500 (408 and 429 too).
CREATE TABLE fleet_api_calls (
	id		bigint		GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ts		timestamptz	NOT NULL DEFAULT now(),
	account_id	uuid		REFERENCES accounts (id) ON DELETE CASCADE,
	endpoint_class	text		NOT NULL
	    CHECK (endpoint_class IN ('data', 'wake', 'command', 'auth', 'energy')),
	endpoint	text		NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 200),
	vehicle_id	uuid		REFERENCES vehicles (id) ON DELETE SET NULL,
	site_id		uuid		REFERENCES energy_sites (id) ON DELETE SET NULL,
	sync_run_id	bigint		REFERENCES sync_runs (id) ON DELETE SET NULL,
	http_status	integer		CHECK (http_status BETWEEN 100 AND 599),
	latency_ms	integer		CHECK (latency_ms >= 0),
	cost		numeric(10,4)	NOT NULL DEFAULT 0 CHECK (cost >= 0),
	error		text		CHECK (length(error) <= 200)
);

COMMENT ON TABLE fleet_api_calls IS 'Ledger of Tesla Fleet API calls and their cost.';
COMMENT ON COLUMN fleet_api_calls.ts IS 'When the request was sent.';
COMMENT ON COLUMN fleet_api_calls.endpoint_class IS
    'Tesla pricing category: data ($0.002), wake ($0.02), command ($0.001), '
    'auth and energy (free today).';
COMMENT ON COLUMN fleet_api_calls.endpoint IS
    'Path template, e.g. /api/1/vehicles/{id}/vehicle_data: no ids, query '
    'strings or tokens.';
COMMENT ON COLUMN fleet_api_calls.http_status IS 'HTTP status; NULL on a transport error or timeout.';
COMMENT ON COLUMN fleet_api_calls.cost IS 'Price of this call, USD (0 for statuses >= 500).';
COMMENT ON COLUMN fleet_api_calls.error IS 'Short error code (timeout, tls, 429, ...).';

-- Spend since the start of the billing month, index-only.
CREATE INDEX fleet_api_calls_ts ON fleet_api_calls (ts) INCLUDE (cost, endpoint_class);
-- Per-vehicle / per-site daily counts (plan limits), and FK deletes.
CREATE INDEX fleet_api_calls_vehicle ON fleet_api_calls (vehicle_id, ts)
    WHERE vehicle_id IS NOT NULL;
CREATE INDEX fleet_api_calls_site ON fleet_api_calls (site_id, ts)
    WHERE site_id IS NOT NULL;
CREATE INDEX fleet_api_calls_run ON fleet_api_calls (sync_run_id)
    WHERE sync_run_id IS NOT NULL;
CREATE INDEX fleet_api_calls_account ON fleet_api_calls (account_id, ts)
    WHERE account_id IS NOT NULL;

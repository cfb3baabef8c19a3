-- 016: daily energy aggregates (issue 5), see docs/energy.md.
--
-- energy_daily gets the sources of home consumption and the length of the
-- local day; tessie_energy_rollup() builds it per site per local date from
-- Tesla's calendar_history buckets (energy_history, authoritative) and from
-- our own samples (energy_states, integrated).  Triggers on the inputs mark
-- the local days they touch in energy_daily_dirty, so that an incremental
-- run (tessie-sync rollup) re-rolls only those; a row is written only when
-- one of its values changes.  energy_fetches records each calendar_history
-- fetch of a day (tessie-sync energy_history), which decides what to
-- re-fetch and shows what was fetched.
--
-- Settings (PostgreSQL custom settings, e.g.
-- ALTER DATABASE tessie SET tessie.energy_tolerance_pct = 5):
--	tessie.energy_max_gap_min	 15	samples further apart are not
--					integrated (a gap)
--	tessie.energy_min_completeness	 0.95	share of a day the samples must
--					cover, else the day is flagged
--	tessie.energy_tolerance_pct	 10	Tesla and samples may differ by
--	tessie.energy_tolerance_kwh	 0.5	this share or this much,
--					whichever is larger
--	tessie.energy_lookback_days	 14	days back that energy_history
--					fetches missing or flagged days
--	tessie.energy_fetch_days	 9	calendar_history (energy) days
--					per site per run, today included
--	tessie.energy_power_days	 3	calendar_history (power) days
--					per site per run
--	tessie.energy_retry_hours	 24	after a fetch that brought
--	tessie.energy_max_retries	 3	nothing new, wait this long;
--					give up after this many

ALTER TABLE energy_daily
	ADD COLUMN home_from_solar_kwh double precision
	    CHECK (home_from_solar_kwh >= 0),
	ADD COLUMN home_from_battery_kwh double precision
	    CHECK (home_from_battery_kwh >= 0),
	ADD COLUMN home_from_grid_kwh double precision
	    CHECK (home_from_grid_kwh >= 0),
	ADD COLUMN day_hours real CHECK (day_hours BETWEEN 22 AND 26);

COMMENT ON COLUMN energy_daily.home_from_solar_kwh IS
    'Home consumption supplied by solar (Tesla''s '
    'consumer_energy_imported_from_solar), kWh; NULL without Tesla data.';
COMMENT ON COLUMN energy_daily.home_from_battery_kwh IS
    'Home consumption supplied by the Powerwall '
    '(consumer_energy_imported_from_battery), kWh.';
COMMENT ON COLUMN energy_daily.home_from_grid_kwh IS
    'Home consumption supplied by the grid '
    '(consumer_energy_imported_from_grid), kWh.';
COMMENT ON COLUMN energy_daily.day_hours IS
    'Length of the local day in hours: 24, or 23 / 25 on DST days (23.5 '
    'and 24.5 where DST moves by half an hour).';
COMMENT ON COLUMN energy_daily.completeness IS
    'Fraction (0..1) of the local day covered by energy_states samples: '
    'the time between consecutive samples at most '
    'tessie.energy_max_gap_min apart, over the day''s length.';
COMMENT ON COLUMN energy_daily.flag_reason IS
    'Why the day is flagged, reasons joined by "; " (docs/energy.md).';
COMMENT ON COLUMN energy_daily.fetched_at IS
    'When Tesla''s calendar_history for this day was last fetched (from '
    'energy_fetches; else when a bucket of it last changed).';

-- Named settings with their defaults and bounds; a bad value is an error
-- naming the setting, never a silent default.
CREATE FUNCTION tessie_energy_setting(name text, def double precision,
    lo double precision, hi double precision)
RETURNS double precision LANGUAGE plpgsql STABLE AS $$
DECLARE
	v text := current_setting('tessie.energy_' || name, true);
	x double precision;
BEGIN
	IF v IS NULL OR v = '' THEN
		RETURN def;
	END IF;
	BEGIN
		x := v::double precision;
	EXCEPTION WHEN others THEN
		x := NULL;
	END;
	IF x IS NULL OR x < lo OR x > hi THEN
		RAISE EXCEPTION 'setting "tessie.energy_%" must be a number '
		    'from % to %, not "%"', name, lo, hi, v;
	END IF;
	RETURN x;
END
$$;

-- Local days whose inputs changed since they were last rolled up.
CREATE TABLE energy_daily_dirty (
	site_id		uuid		NOT NULL REFERENCES energy_sites (id) ON DELETE CASCADE,
	local_date	date		NOT NULL,
	marked_at	timestamptz	NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (site_id, local_date)
);

COMMENT ON TABLE energy_daily_dirty IS
    'Local days to re-roll, marked by triggers on energy_states, '
    'energy_history and energy_fetches; a rollup deletes the marks it '
    'consumed (those not re-marked meanwhile) once the day is over.';

-- calendar_history fetches per site, local day and kind.
CREATE TABLE energy_fetches (
	site_id		uuid		NOT NULL REFERENCES energy_sites (id) ON DELETE CASCADE,
	local_date	date		NOT NULL,
	kind		text		NOT NULL CHECK (kind IN ('energy', 'power')),
	fetched_at	timestamptz	NOT NULL DEFAULT now(),
	received	integer		NOT NULL DEFAULT 0 CHECK (received >= 0),
	changed		integer		NOT NULL DEFAULT 0 CHECK (changed >= 0),
	fetches		integer		NOT NULL DEFAULT 1 CHECK (fetches >= 1),
	fruitless	integer		NOT NULL DEFAULT 0 CHECK (fruitless >= 0),
	PRIMARY KEY (site_id, local_date, kind)
);

COMMENT ON TABLE energy_fetches IS
    'The last calendar_history fetch of each local day (kind energy: '
    '5-minute buckets; power: 15-minute samples filling gaps).';
COMMENT ON COLUMN energy_fetches.received IS
    'Buckets or samples in Tesla''s last answer.';
COMMENT ON COLUMN energy_fetches.changed IS
    'Rows the last answer inserted or changed.';
COMMENT ON COLUMN energy_fetches.fruitless IS
    'Consecutive fetches that changed nothing: a missing or flagged day '
    'is fetched again only after tessie.energy_retry_hours, at most '
    'tessie.energy_max_retries times.';

-- Marks the local days of the changed rows: a sample also counts for the
-- day before or after when it lies within the maximum gap of midnight.
CREATE FUNCTION tessie_energy_mark(p_site uuid[], p_ts timestamptz[],
    p_reach interval)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO energy_daily_dirty AS d (site_id, local_date)
	SELECT DISTINCT x.site_id,
	    ((x.ts + o.off) AT TIME ZONE s.time_zone)::date
	FROM unnest(p_site, p_ts) AS x (site_id, ts)
	JOIN energy_sites s ON s.id = x.site_id
	CROSS JOIN (VALUES (-p_reach), (interval '0'), (p_reach)) AS o (off)
	ORDER BY 1, 2
	ON CONFLICT (site_id, local_date)
	    DO UPDATE SET marked_at = clock_timestamp()
$$;

CREATE FUNCTION tessie_energy_states_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	reach interval := make_interval(secs =>
	    60 * tessie_energy_setting('max_gap_min', 15, 1, 240));
BEGIN
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM tessie_energy_mark(array_agg(site_id), array_agg(ts),
		    reach) FROM new_rows;
	END IF;
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		PERFORM tessie_energy_mark(array_agg(site_id), array_agg(ts),
		    reach) FROM old_rows;
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION tessie_energy_history_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM tessie_energy_mark(array_agg(site_id), array_agg(ts),
		    interval '0') FROM new_rows;
	END IF;
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		PERFORM tessie_energy_mark(array_agg(site_id), array_agg(ts),
		    interval '0') FROM old_rows;
	END IF;
	RETURN NULL;
END
$$;

-- Transition tables allow one event per trigger.
CREATE TRIGGER energy_states_mark_ins AFTER INSERT ON energy_states
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tessie_energy_states_mark();
CREATE TRIGGER energy_states_mark_upd AFTER UPDATE ON energy_states
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tessie_energy_states_mark();
CREATE TRIGGER energy_states_mark_del AFTER DELETE ON energy_states
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tessie_energy_states_mark();
CREATE TRIGGER energy_history_mark_ins AFTER INSERT ON energy_history
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tessie_energy_history_mark();
CREATE TRIGGER energy_history_mark_upd AFTER UPDATE ON energy_history
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tessie_energy_history_mark();
CREATE TRIGGER energy_history_mark_del AFTER DELETE ON energy_history
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tessie_energy_history_mark();

-- A fetch changes energy_daily.fetched_at: its day is re-rolled.
CREATE FUNCTION tessie_energy_fetches_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO energy_daily_dirty AS d (site_id, local_date)
	VALUES (NEW.site_id, NEW.local_date)
	ON CONFLICT (site_id, local_date)
	    DO UPDATE SET marked_at = clock_timestamp();
	RETURN NULL;
END
$$;

CREATE TRIGGER energy_fetches_mark AFTER INSERT OR UPDATE ON energy_fetches
    FOR EACH ROW EXECUTE FUNCTION tessie_energy_fetches_mark();

-- A new time zone moves every local day: the site's days are rebuilt.
CREATE FUNCTION tessie_energy_zone_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM energy_daily WHERE site_id = NEW.id;
	DELETE FROM energy_fetches WHERE site_id = NEW.id;
	INSERT INTO energy_daily_dirty (site_id, local_date)
	SELECT NEW.id, d::date
	FROM (SELECT least((SELECT min(ts) FROM energy_states
		WHERE site_id = NEW.id), (SELECT min(ts) FROM energy_history
		WHERE site_id = NEW.id)) AS lo,
	    greatest((SELECT max(ts) FROM energy_states
		WHERE site_id = NEW.id), (SELECT max(ts) FROM energy_history
		WHERE site_id = NEW.id)) AS hi) r,
	    generate_series((r.lo AT TIME ZONE NEW.time_zone)::date - 1,
		(r.hi AT TIME ZONE NEW.time_zone)::date + 1,
		interval '1 day') AS d
	WHERE r.lo IS NOT NULL
	ON CONFLICT (site_id, local_date)
	    DO UPDATE SET marked_at = clock_timestamp();
	RETURN NULL;
END
$$;

CREATE TRIGGER energy_sites_zone_moved AFTER UPDATE OF time_zone
    ON energy_sites FOR EACH ROW
    WHEN (NEW.time_zone IS DISTINCT FROM OLD.time_zone)
    EXECUTE FUNCTION tessie_energy_zone_moved();

-- Seconds of local day day..day+1 in zone tz that samples of site cover
-- (the pieces between consecutive samples at most gap apart).
CREATE FUNCTION tessie_energy_coverage(p_site uuid, p_day date, p_tz text)
RETURNS double precision LANGUAGE sql STABLE AS $$
	WITH g AS (
		SELECT make_interval(secs => 60 * tessie_energy_setting(
		    'max_gap_min', 15, 1, 240)) AS gap,
		    p_day::timestamp AT TIME ZONE p_tz AS b,
		    (p_day + 1)::timestamp AT TIME ZONE p_tz AS e)
	SELECT coalesce((SELECT sum(extract(epoch FROM least(x.nts, g.e) -
	    greatest(x.ts, g.b)))
	    FROM (SELECT ts, lead(ts) OVER (ORDER BY ts) AS nts
		FROM energy_states
		WHERE site_id = p_site AND ts >= g.b - g.gap
		    AND ts < g.e + g.gap) x
	    WHERE x.nts - x.ts <= g.gap AND x.nts > g.b AND x.ts < g.e), 0)
	    / extract(epoch FROM g.e - g.b)
	FROM g
$$;

-- Figures are rounded to the mWh, so that a rerun (which may add the same
-- values in another order) gives equal values and writes nothing.
CREATE FUNCTION tessie_energy_round(x double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
	SELECT round(x::numeric, 6)::double precision
$$;

-- "what tesla vs samples kWh" when the two differ by more than tol_pct
-- percent of the larger and more than tol_kwh; else NULL.
CREATE FUNCTION tessie_energy_differs(what text, tesla double precision,
    samples double precision, tol_pct double precision,
    tol_kwh double precision)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN abs(coalesce(tesla, 0) - coalesce(samples, 0)) >
	    greatest(tol_kwh, tol_pct / 100 * greatest(abs(coalesce(tesla, 0)),
	    abs(coalesce(samples, 0)))) THEN format('%s %s vs %s kWh', what,
	    round(coalesce(tesla, 0)::numeric, 2),
	    round(coalesce(samples, 0)::numeric, 2)) END
$$;

-- Rolls up the given local days of a site into energy_daily: inserts or
-- updates the rows whose values change, deletes the rows of days left
-- without any input.  Returns the rows written (inserted, updated or
-- deleted).  See docs/energy.md for every figure.
-- (JIT off: the per-day plan's estimates are high, and compiling it would
-- cost more than running it.)
CREATE FUNCTION tessie_energy_rollup_days(p_site uuid, p_days date[])
RETURNS integer LANGUAGE plpgsql SET jit = off AS $$
DECLARE
	tz text;
	gap interval := make_interval(secs =>
	    60 * tessie_energy_setting('max_gap_min', 15, 1, 240));
	min_c double precision :=
	    tessie_energy_setting('min_completeness', 0.95, 0, 1);
	tol_pct double precision :=
	    tessie_energy_setting('tolerance_pct', 10, 0, 1000);
	tol_kwh double precision :=
	    tessie_energy_setting('tolerance_kwh', 0.5, 0, 1e6);
	n integer;
BEGIN
	SELECT time_zone INTO tz FROM energy_sites WHERE id = p_site;
	IF NOT FOUND OR p_days IS NULL OR cardinality(p_days) = 0 THEN
		RETURN 0;
	END IF;
	WITH d AS (
		SELECT day, day::timestamp AT TIME ZONE tz AS b,
		    (day + 1)::timestamp AT TIME ZONE tz AS e
		FROM (SELECT DISTINCT unnest(p_days) AS day) x
		WHERE day IS NOT NULL
	),
	-- Each sample's power held until the next one, when that is at
	-- most gap later, clipped to the day.
	sp AS (
		SELECT d.day, extract(epoch FROM least(x.nts, d.e) -
		    greatest(x.ts, d.b))::float8 AS sec, x.solar, x.battery,
		    x.grid,
		    x.load
		FROM d CROSS JOIN LATERAL (
			SELECT ts, lead(ts) OVER (ORDER BY ts) AS nts,
			    solar_power_w AS solar,
			    battery_power_w AS battery,
			    grid_power_w AS grid,
			    coalesce(load_power_w, solar_power_w +
				battery_power_w + grid_power_w +
				coalesce(generator_power_w, 0)) AS load
			FROM energy_states
			WHERE site_id = p_site AND ts >= d.b - gap
			    AND ts < d.e + gap) x
		WHERE x.nts - x.ts <= gap AND x.nts > d.b AND x.ts < d.e
	),
	sm AS (
		SELECT day, sum(sec) AS covered,
		    sum(greatest(solar, 0) * sec) / 3.6e6 AS solar,
		    sum(greatest(-battery, 0) * sec) / 3.6e6 AS charged,
		    sum(greatest(battery, 0) * sec) / 3.6e6 AS discharged,
		    sum(greatest(grid, 0) * sec) / 3.6e6 AS imported,
		    sum(greatest(-grid, 0) * sec) / 3.6e6 AS exported,
		    sum(greatest(load, 0) * sec) / 3.6e6 AS home
		FROM sp GROUP BY day
	),
	-- Tesla's buckets of the day, the finest period there is.
	hb AS (
		SELECT DISTINCT ON (d.day) d.day, h.*
		FROM d CROSS JOIN LATERAL (
			SELECT period, count(*) AS buckets,
			    count(*) * CASE period WHEN '5min' THEN 300
				WHEN '15min' THEN 900 WHEN 'hour' THEN 3600
				ELSE extract(epoch FROM d.e - d.b) END
				AS seconds,
			    max(fetched_at) AS changed_at,
			    sum(solar_energy_exported_kwh) AS solar,
			    sum(grid_energy_exported_from_solar_kwh)
				AS solar_exported,
			    sum(coalesce(battery_energy_imported_from_grid_kwh,
				0) + coalesce(
				battery_energy_imported_from_solar_kwh, 0) +
				coalesce(
				battery_energy_imported_from_generator_kwh, 0))
				AS charged,
			    sum(battery_energy_exported_kwh) AS discharged,
			    sum(coalesce(grid_energy_imported_kwh,
				coalesce(consumer_energy_imported_from_grid_kwh,
				0) + coalesce(
				battery_energy_imported_from_grid_kwh, 0)))
				AS imported,
			    sum(coalesce(grid_energy_exported_from_solar_kwh,
				0) + coalesce(
				grid_energy_exported_from_generator_kwh, 0) +
				coalesce(grid_energy_exported_from_battery_kwh,
				0)) AS exported,
			    sum(coalesce(consumer_energy_imported_from_grid_kwh,
				0) + coalesce(
				consumer_energy_imported_from_solar_kwh, 0) +
				coalesce(
				consumer_energy_imported_from_battery_kwh, 0) +
				coalesce(
				consumer_energy_imported_from_generator_kwh, 0))
				AS home,
			    sum(consumer_energy_imported_from_solar_kwh)
				AS home_solar,
			    sum(consumer_energy_imported_from_battery_kwh)
				AS home_battery,
			    sum(consumer_energy_imported_from_grid_kwh)
				AS home_grid
			FROM energy_history
			WHERE site_id = p_site
			    AND period IN ('5min', '15min', 'hour', 'day')
			    AND ts >= d.b AND ts < d.e
			GROUP BY period) h
		ORDER BY d.day, CASE h.period WHEN '5min' THEN 1
		    WHEN '15min' THEN 2 WHEN 'hour' THEN 3 ELSE 4 END
	),
	r AS (
		SELECT d.day, d.b, d.e,
		    extract(epoch FROM d.e - d.b)::float8 AS day_s,
		    hb.day IS NOT NULL AS tesla, hb.seconds AS tesla_s,
		    hb.solar AS t_solar, hb.solar_exported AS t_solar_exp,
		    hb.charged AS t_charged, hb.discharged AS t_discharged,
		    hb.imported AS t_imported, hb.exported AS t_exported,
		    hb.home AS t_home, hb.home_solar, hb.home_battery,
		    hb.home_grid,
		    greatest(f.fetched_at, hb.changed_at) AS fetched_at,
		    sm.covered, sm.solar AS s_solar, sm.charged AS s_charged,
		    sm.discharged AS s_discharged, sm.imported AS s_imported,
		    sm.exported AS s_exported, sm.home AS s_home
		FROM d LEFT JOIN hb ON hb.day = d.day
		LEFT JOIN sm ON sm.day = d.day
		LEFT JOIN energy_fetches f ON f.site_id = p_site
		    AND f.local_date = d.day AND f.kind = 'energy'
		    AND hb.day IS NOT NULL
		WHERE hb.day IS NOT NULL OR sm.day IS NOT NULL
	),
	-- Figures rounded (to the mWh) so that a rerun gives equal values.
	v AS (
		SELECT r.*,
		    round(coalesce(r.covered, 0)::numeric /
			r.day_s::numeric, 5)::real AS completeness,
		    CASE WHEN r.tesla THEN r.t_solar ELSE r.s_solar END
			AS solar,
		    CASE WHEN r.tesla THEN r.t_solar_exp END AS solar_exp,
		    CASE WHEN r.tesla THEN r.t_charged ELSE r.s_charged END
			AS charged,
		    CASE WHEN r.tesla THEN r.t_discharged
			ELSE r.s_discharged END AS discharged,
		    CASE WHEN r.tesla THEN r.t_imported ELSE r.s_imported END
			AS imported,
		    CASE WHEN r.tesla THEN r.t_exported ELSE r.s_exported END
			AS exported,
		    CASE WHEN r.tesla THEN r.t_home ELSE r.s_home END AS home
		FROM r
	),
	-- Flags, for days that are over: each reason a text, NULLs dropped.
	fl AS (
		SELECT v.*, CASE WHEN v.e > now() THEN NULL ELSE
		    array_remove(ARRAY[
			CASE WHEN NOT v.tesla THEN
			    'no calendar_history from Tesla'
			WHEN v.tesla_s < v.day_s THEN format(
			    'calendar_history covers %s of %s h',
			    round((v.tesla_s / 3600)::numeric, 2),
			    round((v.day_s / 3600)::numeric, 2)) END,
			CASE WHEN v.completeness < min_c THEN format(
			    'samples cover %s %% of the day',
			    round(100 * v.completeness::numeric, 1)) END,
			CASE WHEN v.tesla AND v.tesla_s >= v.day_s
			    AND v.completeness >= min_c THEN
			    'samples disagree with Tesla: ' || nullif(
			    concat_ws(', ',
				tessie_energy_differs('solar', v.t_solar,
				    v.s_solar, tol_pct, tol_kwh),
				tessie_energy_differs('battery charged',
				    v.t_charged, v.s_charged, tol_pct,
				    tol_kwh),
				tessie_energy_differs('battery discharged',
				    v.t_discharged, v.s_discharged, tol_pct,
				    tol_kwh),
				tessie_energy_differs('grid import',
				    v.t_imported, v.s_imported, tol_pct,
				    tol_kwh),
				tessie_energy_differs('grid export',
				    v.t_exported, v.s_exported, tol_pct,
				    tol_kwh),
				tessie_energy_differs('home', v.t_home,
				    v.s_home, tol_pct, tol_kwh)), '') END],
		    NULL) END AS reasons
		FROM v
	),
	new AS (
		SELECT p_site AS site_id, day AS local_date,
		    tessie_energy_round(solar) AS solar_produced_kwh,
		    tessie_energy_round(solar_exp) AS solar_exported_kwh,
		    tessie_energy_round(charged) AS battery_charged_kwh,
		    tessie_energy_round(discharged) AS battery_discharged_kwh,
		    tessie_energy_round(imported) AS grid_imported_kwh,
		    tessie_energy_round(exported) AS grid_exported_kwh,
		    tessie_energy_round(home) AS home_consumed_kwh,
		    CASE WHEN solar > 0 AND solar_exp IS NOT NULL THEN
			round(least(100, greatest(0, 100 * (solar -
			    solar_exp) / solar))::numeric, 3)::real
			END AS self_consumption_pct,
		    CASE WHEN tesla THEN 'tesla' ELSE 'samples' END AS source,
		    tessie_energy_round(s_solar) AS samples_solar_produced_kwh,
		    tessie_energy_round(s_charged)
			AS samples_battery_charged_kwh,
		    tessie_energy_round(s_discharged)
			AS samples_battery_discharged_kwh,
		    tessie_energy_round(s_imported)
			AS samples_grid_imported_kwh,
		    tessie_energy_round(s_exported)
			AS samples_grid_exported_kwh,
		    tessie_energy_round(s_home) AS samples_home_consumed_kwh,
		    completeness,
		    coalesce(cardinality(reasons), 0) > 0 AS flagged,
		    left(nullif(array_to_string(reasons, '; '), ''), 200)
			AS flag_reason,
		    fetched_at,
		    tessie_energy_round(home_solar) AS home_from_solar_kwh,
		    tessie_energy_round(home_battery) AS home_from_battery_kwh,
		    tessie_energy_round(home_grid) AS home_from_grid_kwh,
		    round((day_s / 3600)::numeric, 2)::real AS day_hours
		FROM fl
	),
	up AS (
		INSERT INTO energy_daily AS o (site_id, local_date,
		    solar_produced_kwh, solar_exported_kwh,
		    battery_charged_kwh, battery_discharged_kwh,
		    grid_imported_kwh, grid_exported_kwh, home_consumed_kwh,
		    self_consumption_pct, source,
		    samples_solar_produced_kwh, samples_battery_charged_kwh,
		    samples_battery_discharged_kwh, samples_grid_imported_kwh,
		    samples_grid_exported_kwh, samples_home_consumed_kwh,
		    completeness, flagged, flag_reason, fetched_at,
		    home_from_solar_kwh, home_from_battery_kwh,
		    home_from_grid_kwh, day_hours)
		SELECT * FROM new
		ON CONFLICT (site_id, local_date) DO UPDATE SET
		    solar_produced_kwh = EXCLUDED.solar_produced_kwh,
		    solar_exported_kwh = EXCLUDED.solar_exported_kwh,
		    battery_charged_kwh = EXCLUDED.battery_charged_kwh,
		    battery_discharged_kwh = EXCLUDED.battery_discharged_kwh,
		    grid_imported_kwh = EXCLUDED.grid_imported_kwh,
		    grid_exported_kwh = EXCLUDED.grid_exported_kwh,
		    home_consumed_kwh = EXCLUDED.home_consumed_kwh,
		    self_consumption_pct = EXCLUDED.self_consumption_pct,
		    source = EXCLUDED.source,
		    samples_solar_produced_kwh =
			EXCLUDED.samples_solar_produced_kwh,
		    samples_battery_charged_kwh =
			EXCLUDED.samples_battery_charged_kwh,
		    samples_battery_discharged_kwh =
			EXCLUDED.samples_battery_discharged_kwh,
		    samples_grid_imported_kwh =
			EXCLUDED.samples_grid_imported_kwh,
		    samples_grid_exported_kwh =
			EXCLUDED.samples_grid_exported_kwh,
		    samples_home_consumed_kwh =
			EXCLUDED.samples_home_consumed_kwh,
		    completeness = EXCLUDED.completeness,
		    flagged = EXCLUDED.flagged,
		    flag_reason = EXCLUDED.flag_reason,
		    fetched_at = EXCLUDED.fetched_at,
		    home_from_solar_kwh = EXCLUDED.home_from_solar_kwh,
		    home_from_battery_kwh = EXCLUDED.home_from_battery_kwh,
		    home_from_grid_kwh = EXCLUDED.home_from_grid_kwh,
		    day_hours = EXCLUDED.day_hours
		WHERE (o.solar_produced_kwh, o.solar_exported_kwh,
		    o.battery_charged_kwh, o.battery_discharged_kwh,
		    o.grid_imported_kwh, o.grid_exported_kwh,
		    o.home_consumed_kwh, o.self_consumption_pct, o.source,
		    o.samples_solar_produced_kwh,
		    o.samples_battery_charged_kwh,
		    o.samples_battery_discharged_kwh,
		    o.samples_grid_imported_kwh, o.samples_grid_exported_kwh,
		    o.samples_home_consumed_kwh, o.completeness, o.flagged,
		    o.flag_reason, o.fetched_at, o.home_from_solar_kwh,
		    o.home_from_battery_kwh, o.home_from_grid_kwh,
		    o.day_hours) IS DISTINCT FROM (
		    EXCLUDED.solar_produced_kwh, EXCLUDED.solar_exported_kwh,
		    EXCLUDED.battery_charged_kwh,
		    EXCLUDED.battery_discharged_kwh,
		    EXCLUDED.grid_imported_kwh, EXCLUDED.grid_exported_kwh,
		    EXCLUDED.home_consumed_kwh, EXCLUDED.self_consumption_pct,
		    EXCLUDED.source, EXCLUDED.samples_solar_produced_kwh,
		    EXCLUDED.samples_battery_charged_kwh,
		    EXCLUDED.samples_battery_discharged_kwh,
		    EXCLUDED.samples_grid_imported_kwh,
		    EXCLUDED.samples_grid_exported_kwh,
		    EXCLUDED.samples_home_consumed_kwh, EXCLUDED.completeness,
		    EXCLUDED.flagged, EXCLUDED.flag_reason,
		    EXCLUDED.fetched_at, EXCLUDED.home_from_solar_kwh,
		    EXCLUDED.home_from_battery_kwh,
		    EXCLUDED.home_from_grid_kwh, EXCLUDED.day_hours)
		RETURNING 1
	),
	gone AS (
		DELETE FROM energy_daily o
		WHERE o.site_id = p_site AND o.local_date = ANY (p_days)
		    AND NOT EXISTS (SELECT 1 FROM new
			WHERE new.local_date = o.local_date)
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM gone)
	INTO n;
	RETURN n;
END
$$;

-- Deletes the marks read before a rollup (days[i] marked at stamps[i])
-- whose day is over, unless marked again meanwhile.
CREATE FUNCTION tessie_energy_unmark(p_site uuid, p_tz text, p_days date[],
    p_stamps timestamptz[])
RETURNS void LANGUAGE sql AS $$
	DELETE FROM energy_daily_dirty d
	USING unnest(p_days, p_stamps) AS m (day, at)
	WHERE d.site_id = p_site AND d.local_date = m.day
	    AND d.marked_at = m.at
	    AND (m.day + 1)::timestamp AT TIME ZONE p_tz <= now()
$$;

-- The rollup of the local days from_date..to_date of a site (NULL: from
-- the first or to the last day with data; both NULL: a full rebuild that
-- also drops rows and marks outside the data).  Returns the rows written.
-- Consumes the marks of those days that are over.
CREATE FUNCTION tessie_energy_rollup(site uuid, from_date date, to_date date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	tz text;
	lo date;
	hi date;
	days date[];
	marked date[];
	stamps timestamptz[];
	n integer := 0;
BEGIN
	SELECT time_zone INTO tz FROM energy_sites WHERE id = site;
	IF NOT FOUND THEN
		RETURN 0;
	END IF;
	SELECT array_agg(local_date), array_agg(marked_at)
	INTO marked, stamps FROM energy_daily_dirty d
	WHERE d.site_id = site AND (from_date IS NULL OR d.local_date >=
	    from_date) AND (to_date IS NULL OR d.local_date <= to_date);
	SELECT (least(a.lo, b.lo) AT TIME ZONE tz)::date,
	    (greatest(a.hi, b.hi) AT TIME ZONE tz)::date + 1
	INTO lo, hi
	FROM (SELECT min(ts) AS lo, max(ts) AS hi FROM energy_states
		WHERE site_id = site) a,
	    (SELECT min(ts) AS lo, max(ts) AS hi FROM energy_history
		WHERE site_id = site) b;
	lo := coalesce(from_date, lo);
	hi := coalesce(to_date, hi);
	IF from_date IS NULL AND to_date IS NULL THEN
		WITH gone AS (
			DELETE FROM energy_daily WHERE energy_daily.site_id =
			    site AND (lo IS NULL OR local_date < lo
			    OR local_date > hi)
			RETURNING 1)
		SELECT count(*) INTO n FROM gone;
	END IF;
	IF lo IS NOT NULL AND hi IS NOT NULL AND lo <= hi THEN
		SELECT array_agg(g::date) INTO days
		FROM generate_series(lo, hi, interval '1 day') g;
		n := n + tessie_energy_rollup_days(site, days);
	END IF;
	PERFORM tessie_energy_unmark(site, tz, marked, stamps);
	RETURN n;
END
$$;

-- The incremental rollup of a site: the days marked dirty.  A day not
-- over yet keeps its mark (it is rolled again until a run after its end).
CREATE FUNCTION tessie_energy_rollup_dirty(site uuid, OUT days integer,
    OUT written integer)
LANGUAGE plpgsql AS $$
DECLARE
	tz text;
	marked date[];
	stamps timestamptz[];
BEGIN
	days := 0;
	written := 0;
	SELECT time_zone INTO tz FROM energy_sites WHERE id = site;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT array_agg(local_date), array_agg(marked_at)
	INTO marked, stamps FROM energy_daily_dirty d WHERE d.site_id = site;
	IF marked IS NULL THEN
		RETURN;
	END IF;
	days := cardinality(marked);
	written := tessie_energy_rollup_days(site, marked);
	PERFORM tessie_energy_unmark(site, tz, marked, stamps);
END
$$;

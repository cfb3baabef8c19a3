-- tessie_derive again (sql/011_derive.sql), with two refinements found by
-- the simulator's road trip (docs/analytics.md):
-- * a drive first seen already moving, after the car slept, starts at the
--   parked sample before it when the distance fits (it was a drive and a
--   "drive nobody saw" before: two drives for one);
-- * a charging session's final energy, battery level and range come from
--   the Complete sample that follows its last Charging sample, where
--   Tesla's counter has its final value.
-- Existing rows are re-derived by `tessie-sync recompute`.

CREATE OR REPLACE FUNCTION tessie_derive(v uuid, since timestamptz)
RETURNS TABLE (drives integer, sessions integer)
LANGUAGE plpgsql
AS $$
DECLARE
	acct uuid;
	run_at timestamptz := now();	-- what the updated_at trigger writes
	n_drives integer;
	n_sessions integer;
	wh_per_km double precision;
BEGIN
	SELECT account_id INTO acct FROM vehicles WHERE id = v;

	-- Charging sessions: runs of plugged-in samples in which Tesla's
	-- charge_energy_added counter does not fall back (a fall, a
	-- Disconnected sample or a gap over 30 minutes starts a new one),
	-- from their first Charging sample to their last; the Complete
	-- sample that may follow gives the final figures.
	DELETE FROM charging_samples WHERE vehicle_id = v AND ts >= since;
	CREATE TEMP TABLE IF NOT EXISTS tessie_cs (
		grp bigint, ts timestamptz, charging boolean, done boolean,
		charger_power_kw real, charge_energy_added_kwh real,
		rated_range_km real, outside_temp_c real,
		battery_level smallint, usable_battery_level smallint,
		charger_voltage smallint, charger_actual_current smallint,
		charger_phases smallint, fast boolean, fast_type text,
		cable text, latitude double precision,
		longitude double precision) ON COMMIT DROP;
	TRUNCATE tessie_cs;
	INSERT INTO tessie_cs
	WITH s AS (
		SELECT *,
		    charging_state IN ('Charging', 'Starting') AS chg,
		    lag(ts) OVER w AS pts,
		    lag(charge_energy_added_kwh) OVER w AS pe,
		    lag(charging_state) OVER w AS pstate
		FROM vehicle_states
		WHERE vehicle_id = v AND ts >= since
		  AND charging_state IS NOT NULL
		  AND charging_state <> 'Disconnected'
		WINDOW w AS (ORDER BY ts)
	)
	SELECT sum(CASE WHEN pts IS NULL
		OR ts - pts > interval '30 minutes'
		OR charge_energy_added_kwh < pe - 0.05 THEN 1 ELSE 0 END)
		OVER (ORDER BY ts),
	    ts, chg, charging_state = 'Complete', charger_power_kw::real, charge_energy_added_kwh::real,
	    rated_range_km::real, outside_temp_c::real, battery_level,
	    usable_battery_level, charger_voltage::smallint,
	    charger_actual_current::smallint, charger_phases::smallint,
	    fast_charger_present, fast_charger_type, conn_charge_cable,
	    latitude, longitude
	FROM s;
	-- Only the charging stretch of each run, first to last Charging,
	-- and the Complete sample just after it (Tesla's counter reaches its
	-- final value there, up to a polling interval after the last
	-- Charging sample).
	DELETE FROM tessie_cs c USING (SELECT q.grp, q.t0, q.t1,
	    (SELECT min(x.ts) FROM tessie_cs x WHERE x.grp = q.grp
	     AND x.done AND x.ts > q.t1) AS tc
	    FROM (SELECT grp, min(ts) FILTER (WHERE charging) AS t0,
		max(ts) FILTER (WHERE charging) AS t1
		FROM tessie_cs GROUP BY grp) q) r
	WHERE c.grp = r.grp AND (r.t0 IS NULL OR c.ts < r.t0 OR
	    (c.ts > r.t1 AND c.ts IS DISTINCT FROM r.tc));

	WITH r AS (
		SELECT grp, min(ts) AS t0,
		    max(ts) FILTER (WHERE charging) AS t1,
		    max(ts) AS tl,
		    max(charger_power_kw) AS pmax,
		    max(charge_energy_added_kwh) AS kwh,
		    bool_or(coalesce(fast, false)) AS dc,
		    max(fast_type) FILTER (WHERE fast_type IS NOT NULL
			AND fast_type NOT IN ('', '<invalid>')) AS ftype,
		    max(cable) FILTER (WHERE cable IS NOT NULL
			AND cable NOT IN ('', '<invalid>')) AS cable,
		    max(charger_actual_current) AS amax
		FROM tessie_cs GROUP BY grp
	), e AS (
		SELECT r.*, f.battery_level AS b0, l.battery_level AS b1,
		    f.rated_range_km AS r0, l.rated_range_km AS r1,
		    f.latitude AS lat, f.longitude AS lon,
		    -- the last sample of the run says whether it was cut
		    (SELECT charging_state FROM vehicle_states x
		     WHERE x.vehicle_id = v AND x.ts > r.t1
		     ORDER BY x.ts LIMIT 1) AS after
		FROM r
		JOIN tessie_cs f ON f.grp = r.grp AND f.ts = r.t0
		JOIN tessie_cs l ON l.grp = r.grp AND l.ts = r.tl
	), up AS (
		INSERT INTO charging_sessions AS x (vehicle_id, started_at,
		    ended_at, complete, energy_added_kwh, max_power_kw,
		    avg_power_kw, start_battery_level, end_battery_level,
		    start_rated_range_km, end_rated_range_km, latitude,
		    longitude, charge_type, charger_type, cable, place_id,
		    derived)
		SELECT v, t0, t1, after IS NOT NULL,
		    least(kwh, 1000), least(pmax, 1000),
		    CASE WHEN t1 > t0 THEN least(1000, kwh / (extract(epoch
			FROM t1 - t0) / 3600)) END,
		    b0, b1, r0, r1, lat, lon,
		    CASE WHEN dc THEN 'dc' ELSE 'ac' END,
		    CASE WHEN dc AND ftype = 'Supercharger' THEN 'Supercharger'
			WHEN dc THEN 'fast charger'
			WHEN coalesce(amax, 0) > 16 OR coalesce(pmax, 0) > 3.7
			    THEN 'wall connector'
			ELSE 'mobile connector' END,
		    cable, tessie_place_at(acct, lat, lon), true
		FROM e
		ON CONFLICT (vehicle_id, started_at) DO UPDATE SET
		    ended_at = EXCLUDED.ended_at,
		    complete = EXCLUDED.complete,
		    energy_added_kwh = EXCLUDED.energy_added_kwh,
		    max_power_kw = EXCLUDED.max_power_kw,
		    avg_power_kw = EXCLUDED.avg_power_kw,
		    start_battery_level = EXCLUDED.start_battery_level,
		    end_battery_level = EXCLUDED.end_battery_level,
		    start_rated_range_km = EXCLUDED.start_rated_range_km,
		    end_rated_range_km = EXCLUDED.end_rated_range_km,
		    latitude = EXCLUDED.latitude,
		    longitude = EXCLUDED.longitude,
		    charge_type = EXCLUDED.charge_type,
		    charger_type = EXCLUDED.charger_type,
		    cable = EXCLUDED.cable, place_id = EXCLUDED.place_id,
		    derived = true, updated_at = run_at
		RETURNING 1
	)
	SELECT count(*) INTO n_sessions FROM up;
	DELETE FROM charging_sessions WHERE vehicle_id = v AND derived
	    AND tesla_session_id IS NULL AND started_at >= since
	    AND updated_at < run_at;

	-- The charge curve.
	INSERT INTO charging_samples (session_id, ts, vehicle_id,
	    charger_power_kw, charge_energy_added_kwh, rated_range_km,
	    outside_temp_c, battery_level, usable_battery_level,
	    charger_voltage, charger_actual_current, charger_phases)
	SELECT cs.id, c.ts, v, least(c.charger_power_kw, 1000),
	    c.charge_energy_added_kwh, c.rated_range_km, c.outside_temp_c,
	    c.battery_level, c.usable_battery_level, c.charger_voltage,
	    c.charger_actual_current, c.charger_phases
	FROM tessie_cs c
	JOIN (SELECT grp, min(ts) AS t0 FROM tessie_cs GROUP BY grp) r
	    ON r.grp = c.grp
	JOIN charging_sessions cs ON cs.vehicle_id = v AND cs.started_at = r.t0
	WHERE c.charging
	ON CONFLICT DO NOTHING;

	-- A Supercharger session Tesla billed: its cost and currency.
	UPDATE charging_sessions d SET cost = t.cost, currency = t.currency,
	    cost_source = 'tesla', location_name = t.location_name
	FROM charging_sessions t
	WHERE d.vehicle_id = v AND d.derived AND d.charge_type = 'dc'
	  AND d.started_at >= since
	  AND t.vehicle_id = v AND NOT t.derived
	  AND t.tesla_session_id IS NOT NULL AND t.cost IS NOT NULL
	  AND t.started_at < d.ended_at + interval '10 minutes'
	  AND coalesce(t.ended_at, t.started_at) >
	      d.started_at - interval '10 minutes';

	-- Drives come after the sessions: their energy uses what the
	-- charges taught about the car.
	-- Rated consumption of this car, Wh per rated km, learnt from its own
	-- AC charges: energy added over rated range added.
	SELECT 1000 * sum(energy_added_kwh) /
	    nullif(sum(end_rated_range_km - start_rated_range_km), 0)
	INTO wh_per_km
	FROM charging_sessions
	WHERE vehicle_id = v AND derived AND charge_type = 'ac'
	  AND end_rated_range_km - start_rated_range_km > 20;

	-- Drives: runs of samples in D/R/N; a gap over 15 minutes ends one.
	-- Two samples in a row whose odometers differ by more than 0.2 km,
	-- both parked or over 15 minutes apart, are a drive (or the part of
	-- one) nobody saw: it is recorded, incomplete, between them, so that
	-- no kilometre goes missing.  Except when the second is the first
	-- sample of a drive, the first one parked, and the distance between
	-- them no more than 15 minutes at the drive's speed (at least
	-- 50 km/h): the car woke and drove off between two polls, and the
	-- drive starts at that parked sample ("joined"), its start time
	-- estimated from that distance and speed.
	WITH s AS (
		SELECT ts, odometer_km, speed_kmh, latitude, longitude,
		    rated_range_km, battery_level,
		    coalesce(shift_state IN ('D', 'R', 'N'), false) AS drv,
		    lag(ts) OVER w AS pts,
		    coalesce(lag(shift_state IN ('D', 'R', 'N')) OVER w, false)
			AS pdrv,
		    lag(odometer_km) OVER w AS podo,
		    lag(latitude) OVER w AS plat,
		    lag(longitude) OVER w AS plon,
		    lag(rated_range_km) OVER w AS prange,
		    lag(battery_level) OVER w AS pbat
		FROM vehicle_states WHERE vehicle_id = v AND ts >= since
		WINDOW w AS (ORDER BY ts)
	), j AS (
		SELECT *, drv AND NOT pdrv AND pts IS NOT NULL
		    AND ts - pts > interval '15 minutes'
		    AND odometer_km - podo BETWEEN 0
			AND greatest(coalesce(speed_kmh, 0), 50) / 4
		    AS joined
		FROM s
	), g AS (
		SELECT *, sum(CASE WHEN drv AND (NOT pdrv
		    OR ts - pts > interval '15 minutes') THEN 1 ELSE 0 END)
		    OVER (ORDER BY ts) AS grp
		FROM j
	), d AS (
		SELECT grp, min(ts) AS t0, max(ts) AS t1,
		    max(speed_kmh) AS vmax
		FROM g WHERE drv GROUP BY grp
	), b AS (
		SELECT d.*, CASE WHEN k.joined THEN k.pts ELSE a.ts END AS a_ts,
		    z.ts AS z_ts,
		    CASE WHEN k.joined THEN greatest(k.pts + interval
			'1 millisecond', k.ts - make_interval(secs =>
			3600 * (k.odometer_km - k.podo) /
			greatest(coalesce(k.speed_kmh, 0), 50))) END AS est
		FROM d
		JOIN j k ON k.ts = d.t0
		-- the parked sample just before, if near enough
		LEFT JOIN LATERAL (SELECT ts FROM vehicle_states
		    WHERE vehicle_id = v AND ts < d.t0
		      AND ts >= d.t0 - interval '15 minutes'
		    ORDER BY ts DESC LIMIT 1) a ON true
		-- the parked sample just after, if near enough
		LEFT JOIN LATERAL (SELECT ts FROM vehicle_states
		    WHERE vehicle_id = v AND ts > d.t1
		      AND ts <= d.t1 + interval '15 minutes'
		      AND coalesce(shift_state, 'P') = 'P'
		    ORDER BY ts LIMIT 1) z ON true
	), e AS (
		SELECT coalesce(b.est, b.a_ts, b.t0) AS started_at,
		    coalesce(b.z_ts, b.t1) AS ended_at,
		    b.z_ts IS NOT NULL AS complete, b.vmax,
		    f.odometer_km AS o0, l.odometer_km AS o1,
		    f.latitude AS lat0, f.longitude AS lon0,
		    l.latitude AS lat1, l.longitude AS lon1,
		    f.rated_range_km AS r0, l.rated_range_km AS r1,
		    f.battery_level AS b0, l.battery_level AS b1
		FROM b
		JOIN vehicle_states f ON f.vehicle_id = v
		    AND f.ts = coalesce(b.a_ts, b.t0)
		JOIN vehicle_states l ON l.vehicle_id = v
		    AND l.ts = coalesce(b.z_ts, b.t1)
		UNION ALL
		-- (a millisecond after a driving sample, which may itself
		-- start a drive of one sample)
		SELECT CASE WHEN pdrv THEN pts + interval '1 millisecond'
		    ELSE pts END, ts, false, NULL, podo, odometer_km, plat, plon,
		    latitude, longitude, prange, rated_range_km, pbat,
		    battery_level
		FROM j WHERE pts IS NOT NULL AND odometer_km - podo > 0.2
		  AND NOT joined
		  AND (NOT drv AND NOT pdrv
		       OR ts - pts > interval '15 minutes')
	), up AS (
		INSERT INTO drives AS x (vehicle_id, started_at, ended_at,
		    complete, start_odometer_km, end_odometer_km, distance_km,
		    start_latitude, start_longitude, end_latitude,
		    end_longitude, start_rated_range_km, end_rated_range_km,
		    start_battery_level, end_battery_level, max_speed_kmh,
		    avg_speed_kmh, energy_used_kwh, start_place_id,
		    end_place_id, derived_at)
		SELECT v, started_at, ended_at, complete, o0,
		    greatest(o1, o0), greatest(o1 - o0, 0), lat0, lon0, lat1,
		    lon1, r0, r1, b0, b1, vmax,
		    CASE WHEN ended_at > started_at THEN least(500,
			greatest(o1 - o0, 0) / (extract(epoch FROM
			ended_at - started_at) / 3600)) END,
		    (r0 - r1) * wh_per_km / 1000,
		    tessie_place_at(acct, lat0, lon0),
		    tessie_place_at(acct, lat1, lon1), run_at
		FROM e
		ON CONFLICT (vehicle_id, started_at) DO UPDATE SET
		    ended_at = EXCLUDED.ended_at,
		    complete = EXCLUDED.complete,
		    start_odometer_km = EXCLUDED.start_odometer_km,
		    end_odometer_km = EXCLUDED.end_odometer_km,
		    distance_km = EXCLUDED.distance_km,
		    start_latitude = EXCLUDED.start_latitude,
		    start_longitude = EXCLUDED.start_longitude,
		    end_latitude = EXCLUDED.end_latitude,
		    end_longitude = EXCLUDED.end_longitude,
		    start_rated_range_km = EXCLUDED.start_rated_range_km,
		    end_rated_range_km = EXCLUDED.end_rated_range_km,
		    start_battery_level = EXCLUDED.start_battery_level,
		    end_battery_level = EXCLUDED.end_battery_level,
		    max_speed_kmh = EXCLUDED.max_speed_kmh,
		    avg_speed_kmh = EXCLUDED.avg_speed_kmh,
		    energy_used_kwh = EXCLUDED.energy_used_kwh,
		    start_place_id = EXCLUDED.start_place_id,
		    end_place_id = EXCLUDED.end_place_id,
		    derived_at = EXCLUDED.derived_at
		RETURNING 1
	)
	SELECT count(*) INTO n_drives FROM up;
	DELETE FROM drives WHERE vehicle_id = v AND started_at >= since
	    AND (derived_at IS NULL OR derived_at < run_at);

	RETURN QUERY SELECT n_drives, n_sessions;
END;
$$;

COMMENT ON FUNCTION tessie_derive(uuid, timestamptz) IS
    'Re-derives the drives and charging sessions of a vehicle that start at '
    'or after since (see docs/analytics.md).  Idempotent.';

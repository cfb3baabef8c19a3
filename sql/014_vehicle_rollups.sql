-- Rollups of vehicle_states for GET /api/vehicles/:id/history
-- (docs/analytics.md, "History").  Per car and per bucket of 5 minutes,
-- 1 hour and 6 hours (UTC, on the epoch grid): the number of samples, and
-- for each field the history serves the number of values and their sum,
-- plus the highest speed.  Sums and counts add up across buckets, so an
-- average over any whole number of buckets is exact: sum / count.
--
-- The sums are fixed-point integers (tessie_fixed: micro-units, nano-degrees
-- for coordinates), so that they add up to the same number in any order:
-- the history's raw-row path uses the same function, and both give the same
-- answer to the last digit.
--
-- Kept current by statement-level triggers on vehicle_states, for the jobs'
-- inserts, bulk loads, updates, deletes and TRUNCATE alike: every statement
-- recomputes the 5-minute buckets it touched from vehicle_states, then the
-- hours and 6 hours that hold them from the level below.

-- A value in fixed point: x * scale, rounded to an integer.
CREATE FUNCTION tessie_fixed(x double precision, scale double precision)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT round(x * scale)::bigint
$$;

CREATE TABLE vehicle_rollups (
	vehicle_id	uuid		NOT NULL,
	span_s		integer		NOT NULL CHECK (span_s IN (300, 3600, 21600)),
	bucket		timestamptz	NOT NULL,
	samples		integer		NOT NULL CHECK (samples > 0),
	battery_level_n	integer		NOT NULL,
	battery_level_sum bigint	NOT NULL,
	usable_battery_level_n integer	NOT NULL,
	usable_battery_level_sum bigint	NOT NULL,
	odometer_km_n	integer		NOT NULL,
	odometer_km_sum	bigint		NOT NULL,
	rated_range_km_n integer	NOT NULL,
	rated_range_km_sum bigint	NOT NULL,
	speed_kmh_n	integer		NOT NULL,
	speed_kmh_sum	bigint		NOT NULL,
	speed_kmh_max	real,
	power_kw_n	integer		NOT NULL,
	power_kw_sum	bigint		NOT NULL,
	inside_temp_c_n	integer		NOT NULL,
	inside_temp_c_sum bigint	NOT NULL,
	outside_temp_c_n integer	NOT NULL,
	outside_temp_c_sum bigint	NOT NULL,
	charger_power_kw_n integer	NOT NULL,
	charger_power_kw_sum bigint	NOT NULL,
	charge_energy_added_kwh_n integer NOT NULL,
	charge_energy_added_kwh_sum bigint NOT NULL,
	latitude_n	integer		NOT NULL,
	latitude_sum	bigint		NOT NULL,
	longitude_n	integer		NOT NULL,
	longitude_sum	bigint		NOT NULL,
	elevation_m_n	integer		NOT NULL,
	elevation_m_sum	bigint		NOT NULL,
	PRIMARY KEY (vehicle_id, span_s, bucket),
	CHECK (bucket = date_bin(make_interval(secs => span_s), bucket,
	    'epoch'::timestamptz))
);

COMMENT ON TABLE vehicle_rollups IS
    'Derived from vehicle_states by triggers (sql/014_vehicle_rollups.sql); '
    'never written to directly.  <field>_sum is sum(tessie_fixed(<field>, '
    'scale)) with scale 1 for battery levels, 1e9 for latitude and '
    'longitude, 1e6 for the rest; <field>_n counts the non-null values.';
COMMENT ON COLUMN vehicle_rollups.span_s IS
    'Bucket length: 300, 3600 or 21600 seconds.';
COMMENT ON COLUMN vehicle_rollups.bucket IS
    'Start of the bucket, date_bin(span_s, ts, epoch): UTC, on the grid.';
COMMENT ON COLUMN vehicle_rollups.samples IS
    'vehicle_states rows in the bucket; a bucket without any has no row.';

-- Recomputes the 5-minute buckets (car v[i], start b[i]) from
-- vehicle_states, then the 1-hour buckets that hold them from the
-- 5-minute rows, and the 6-hour ones from the hours.  A bucket left
-- without samples loses its row.
CREATE FUNCTION tessie_rollup_refresh(v uuid[], b timestamptz[])
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	lvl record;
BEGIN
	IF cardinality(v) = 0 THEN
		RETURN;
	END IF;
	DELETE FROM vehicle_rollups r
	USING unnest(v, b) k(v, b)
	WHERE r.vehicle_id = k.v AND r.span_s = 300 AND r.bucket = k.b;
	INSERT INTO vehicle_rollups
	SELECT s.vehicle_id, 300, k.b, count(*),
	    count(s.battery_level),
	    coalesce(sum(tessie_fixed(s.battery_level, 1)), 0),
	    count(s.usable_battery_level),
	    coalesce(sum(tessie_fixed(s.usable_battery_level, 1)), 0),
	    count(s.odometer_km),
	    coalesce(sum(tessie_fixed(s.odometer_km, 1e6)), 0),
	    count(s.rated_range_km),
	    coalesce(sum(tessie_fixed(s.rated_range_km, 1e6)), 0),
	    count(s.speed_kmh),
	    coalesce(sum(tessie_fixed(s.speed_kmh, 1e6)), 0),
	    max(s.speed_kmh),
	    count(s.power_kw),
	    coalesce(sum(tessie_fixed(s.power_kw, 1e6)), 0),
	    count(s.inside_temp_c),
	    coalesce(sum(tessie_fixed(s.inside_temp_c, 1e6)), 0),
	    count(s.outside_temp_c),
	    coalesce(sum(tessie_fixed(s.outside_temp_c, 1e6)), 0),
	    count(s.charger_power_kw),
	    coalesce(sum(tessie_fixed(s.charger_power_kw, 1e6)), 0),
	    count(s.charge_energy_added_kwh),
	    coalesce(sum(tessie_fixed(s.charge_energy_added_kwh, 1e6)), 0),
	    count(s.latitude),
	    coalesce(sum(tessie_fixed(s.latitude, 1e9)), 0),
	    count(s.longitude),
	    coalesce(sum(tessie_fixed(s.longitude, 1e9)), 0),
	    count(s.elevation_m),
	    coalesce(sum(tessie_fixed(s.elevation_m, 1e6)), 0)
	FROM (SELECT DISTINCT * FROM unnest(v, b)) k(v, b)
	JOIN vehicle_states s ON s.vehicle_id = k.v AND s.ts >= k.b
	    AND s.ts < k.b + interval '5 minutes'
	    AND date_bin('5 minutes', s.ts, 'epoch'::timestamptz) = k.b
	GROUP BY s.vehicle_id, k.b
	ORDER BY s.vehicle_id, k.b;

	FOR lvl IN SELECT * FROM (VALUES (3600, 300), (21600, 3600)) x(span, src)
	LOOP
		-- The buckets of this level that hold the ones just refreshed.
		SELECT array_agg(x.v), array_agg(x.b) INTO v, b
		FROM (SELECT DISTINCT k.v, date_bin(make_interval(secs =>
			lvl.span), k.b, 'epoch'::timestamptz) AS b
		    FROM unnest(v, b) k(v, b)) x;
		DELETE FROM vehicle_rollups r
		USING unnest(v, b) k(v, b)
		WHERE r.vehicle_id = k.v AND r.span_s = lvl.span
		  AND r.bucket = k.b;
		INSERT INTO vehicle_rollups
		SELECT r.vehicle_id, lvl.span, k.b, sum(r.samples),
		    sum(r.battery_level_n), sum(r.battery_level_sum),
		    sum(r.usable_battery_level_n),
		    sum(r.usable_battery_level_sum),
		    sum(r.odometer_km_n), sum(r.odometer_km_sum),
		    sum(r.rated_range_km_n), sum(r.rated_range_km_sum),
		    sum(r.speed_kmh_n), sum(r.speed_kmh_sum),
		    max(r.speed_kmh_max),
		    sum(r.power_kw_n), sum(r.power_kw_sum),
		    sum(r.inside_temp_c_n), sum(r.inside_temp_c_sum),
		    sum(r.outside_temp_c_n), sum(r.outside_temp_c_sum),
		    sum(r.charger_power_kw_n), sum(r.charger_power_kw_sum),
		    sum(r.charge_energy_added_kwh_n),
		    sum(r.charge_energy_added_kwh_sum),
		    sum(r.latitude_n), sum(r.latitude_sum),
		    sum(r.longitude_n), sum(r.longitude_sum),
		    sum(r.elevation_m_n), sum(r.elevation_m_sum)
		FROM unnest(v, b) k(v, b)
		JOIN vehicle_rollups r ON r.vehicle_id = k.v
		    AND r.span_s = lvl.src AND r.bucket >= k.b
		    AND r.bucket < k.b + make_interval(secs => lvl.span)
		    AND date_bin(make_interval(secs => lvl.span), r.bucket,
			'epoch'::timestamptz) = k.b
		GROUP BY r.vehicle_id, k.b
		ORDER BY r.vehicle_id, k.b;
	END LOOP;
END;
$$;

-- The trigger functions: the 5-minute buckets of the rows a statement
-- inserted, updated (before and after) or deleted are refreshed.
CREATE FUNCTION tessie_rollup_new() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v uuid[];
	b timestamptz[];
BEGIN
	SELECT array_agg(x.vehicle_id), array_agg(x.b) INTO v, b
	FROM (SELECT DISTINCT vehicle_id,
		date_bin('5 minutes', ts, 'epoch'::timestamptz) AS b
	    FROM new_states) x;
	PERFORM tessie_rollup_refresh(v, b);
	RETURN NULL;
END;
$$;

CREATE FUNCTION tessie_rollup_old() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v uuid[];
	b timestamptz[];
BEGIN
	SELECT array_agg(x.vehicle_id), array_agg(x.b) INTO v, b
	FROM (SELECT DISTINCT vehicle_id,
		date_bin('5 minutes', ts, 'epoch'::timestamptz) AS b
	    FROM old_states) x;
	PERFORM tessie_rollup_refresh(v, b);
	RETURN NULL;
END;
$$;

CREATE FUNCTION tessie_rollup_changed() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	v uuid[];
	b timestamptz[];
BEGIN
	SELECT array_agg(x.vehicle_id), array_agg(x.b) INTO v, b
	FROM (SELECT vehicle_id,
		date_bin('5 minutes', ts, 'epoch'::timestamptz) AS b
	    FROM old_states
	    UNION
	    SELECT vehicle_id,
		date_bin('5 minutes', ts, 'epoch'::timestamptz)
	    FROM new_states) x;
	PERFORM tessie_rollup_refresh(v, b);
	RETURN NULL;
END;
$$;

CREATE FUNCTION tessie_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
	TRUNCATE vehicle_rollups;
	RETURN NULL;
END;
$$;

CREATE TRIGGER vehicle_states_rollup_insert
AFTER INSERT ON vehicle_states
REFERENCING NEW TABLE AS new_states
FOR EACH STATEMENT EXECUTE FUNCTION tessie_rollup_new();

CREATE TRIGGER vehicle_states_rollup_update
AFTER UPDATE ON vehicle_states
REFERENCING OLD TABLE AS old_states NEW TABLE AS new_states
FOR EACH STATEMENT EXECUTE FUNCTION tessie_rollup_changed();

CREATE TRIGGER vehicle_states_rollup_delete
AFTER DELETE ON vehicle_states
REFERENCING OLD TABLE AS old_states
FOR EACH STATEMENT EXECUTE FUNCTION tessie_rollup_old();

CREATE TRIGGER vehicle_states_rollup_truncate
AFTER TRUNCATE ON vehicle_states
FOR EACH STATEMENT EXECUTE FUNCTION tessie_rollup_truncate();

-- The states stored so far.
SELECT tessie_rollup_refresh(array_agg(vehicle_id), array_agg(b))
FROM (SELECT DISTINCT vehicle_id,
	date_bin('5 minutes', ts, 'epoch'::timestamptz) AS b
    FROM vehicle_states) x;

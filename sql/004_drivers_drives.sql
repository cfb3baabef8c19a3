-- 004: drivers, driver attribution rules, drives.
--
-- Tesla does not say who drives.  A drive gets its driver from the first
-- matching enabled rule (lowest priority value first) or by hand; manual
-- attributions are never overwritten by rules.

CREATE TABLE drivers (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name		text		NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	tesla_profile_id text		CHECK (length(tesla_profile_id) <= 64),
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	UNIQUE (account_id, name),
	UNIQUE (account_id, id)
);

COMMENT ON TABLE drivers IS 'People who drive the account''s vehicles.';
COMMENT ON COLUMN drivers.tesla_profile_id IS
    'Optional in-car driver profile identifier, when one is known.';

CREATE TRIGGER drivers_updated_at BEFORE UPDATE ON drivers
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

-- A rule matches a drive when every condition that is set holds: the
-- vehicle, the place the drive starts at, the local weekday and the local
-- start time (in accounts.time_zone).  All references stay inside the
-- account (composite foreign keys).
CREATE TABLE driver_rules (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	driver_id	uuid		NOT NULL,
	name		text		CHECK (length(name) <= 100),
	vehicle_id	uuid,
	place_id	uuid,
	weekdays	smallint[]	NOT NULL DEFAULT '{1,2,3,4,5,6,7}'
	    CHECK (cardinality(weekdays) BETWEEN 1 AND 7
		AND weekdays <@ '{1,2,3,4,5,6,7}'::smallint[]),
	start_time	time,
	end_time	time,
	priority	integer		NOT NULL DEFAULT 100
	    CHECK (priority BETWEEN 0 AND 1000000),
	enabled		boolean		NOT NULL DEFAULT true,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	CONSTRAINT driver_rules_window CHECK (
	    (start_time IS NULL) = (end_time IS NULL)
	    AND (start_time IS NULL OR start_time <> end_time)),
	FOREIGN KEY (account_id, driver_id) REFERENCES drivers (account_id, id)
	    ON DELETE CASCADE,
	FOREIGN KEY (account_id, vehicle_id) REFERENCES vehicles (account_id, id)
	    ON DELETE CASCADE,
	FOREIGN KEY (account_id, place_id) REFERENCES places (account_id, id)
	    ON DELETE CASCADE
);

COMMENT ON TABLE driver_rules IS
    'Rules that attribute drives to drivers; the enabled matching rule with '
    'the lowest priority value wins (ties: oldest rule).';
COMMENT ON COLUMN driver_rules.weekdays IS
    'ISO weekdays (1 = Monday .. 7 = Sunday) of the drive start, local time.';
COMMENT ON COLUMN driver_rules.start_time IS
    'Local start of the window the drive must start in (accounts.time_zone); '
    'NULL with end_time = any time.  start_time > end_time wraps midnight.';
COMMENT ON COLUMN driver_rules.end_time IS 'Local end of the window (exclusive).';
COMMENT ON COLUMN driver_rules.place_id IS 'The drive must start at this place.';
COMMENT ON COLUMN driver_rules.vehicle_id IS 'The drive must be in this vehicle.';

CREATE INDEX driver_rules_account ON driver_rules (account_id, priority)
    WHERE enabled;
CREATE INDEX driver_rules_driver ON driver_rules (driver_id);
CREATE INDEX driver_rules_vehicle ON driver_rules (vehicle_id)
    WHERE vehicle_id IS NOT NULL;
CREATE INDEX driver_rules_place ON driver_rules (place_id)
    WHERE place_id IS NOT NULL;

CREATE TRIGGER driver_rules_updated_at BEFORE UPDATE ON driver_rules
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

-- Refuses a drive (driver, start/end place) or a charging session (place,
-- tariff) that references another account's rows than its vehicle's
-- (foreign_key_violation, 23503): tenant isolation in the database, not
-- only in the handlers.
CREATE FUNCTION tessie_check_vehicle_refs()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
	acct	uuid;
	ref	uuid;
	refs	uuid[];
BEGIN
	IF TG_TABLE_NAME = 'drives' THEN
		refs := ARRAY[NEW.start_place_id, NEW.end_place_id];
		IF NEW.driver_id IS NOT NULL AND NOT EXISTS (
		    SELECT 1 FROM drivers d JOIN vehicles v USING (account_id)
		    WHERE d.id = NEW.driver_id AND v.id = NEW.vehicle_id) THEN
			RAISE EXCEPTION 'driver % does not belong to the vehicle''s account',
			    NEW.driver_id USING ERRCODE = 'foreign_key_violation';
		END IF;
	ELSE	-- charging_sessions
		refs := ARRAY[NEW.place_id];
		IF NEW.tariff_id IS NOT NULL AND NOT EXISTS (
		    SELECT 1 FROM tariffs t JOIN vehicles v USING (account_id)
		    WHERE t.id = NEW.tariff_id AND v.id = NEW.vehicle_id) THEN
			RAISE EXCEPTION 'tariff % does not belong to the vehicle''s account',
			    NEW.tariff_id USING ERRCODE = 'foreign_key_violation';
		END IF;
	END IF;
	FOREACH ref IN ARRAY refs LOOP
		CONTINUE WHEN ref IS NULL;
		IF acct IS NULL THEN
			SELECT account_id INTO acct FROM vehicles WHERE id = NEW.vehicle_id;
		END IF;
		IF NOT EXISTS (SELECT 1 FROM places p
		    WHERE p.id = ref AND p.account_id = acct) THEN
			RAISE EXCEPTION 'place % does not belong to the vehicle''s account',
			    ref USING ERRCODE = 'foreign_key_violation';
		END IF;
	END LOOP;
	RETURN NEW;
END;
$$;

CREATE TABLE drives (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	vehicle_id	uuid		NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
	started_at	timestamptz	NOT NULL,
	ended_at	timestamptz,
	start_odometer_km double precision CHECK (start_odometer_km >= 0),
	end_odometer_km	double precision CHECK (end_odometer_km >= 0),
	start_latitude	double precision CHECK (start_latitude BETWEEN -90 AND 90),
	start_longitude	double precision CHECK (start_longitude BETWEEN -180 AND 180),
	end_latitude	double precision CHECK (end_latitude BETWEEN -90 AND 90),
	end_longitude	double precision CHECK (end_longitude BETWEEN -180 AND 180),
	distance_km	real		CHECK (distance_km BETWEEN 0 AND 10000),
	start_rated_range_km real	CHECK (start_rated_range_km BETWEEN 0 AND 2000),
	end_rated_range_km real		CHECK (end_rated_range_km BETWEEN 0 AND 2000),
	energy_used_kwh	real		CHECK (energy_used_kwh BETWEEN -1000 AND 1000),
	max_speed_kmh	real		CHECK (max_speed_kmh BETWEEN 0 AND 500),
	avg_speed_kmh	real		CHECK (avg_speed_kmh BETWEEN 0 AND 500),
	start_battery_level smallint	CHECK (start_battery_level BETWEEN 0 AND 100),
	end_battery_level smallint	CHECK (end_battery_level BETWEEN 0 AND 100),
	start_place_id	uuid		REFERENCES places (id) ON DELETE SET NULL,
	end_place_id	uuid		REFERENCES places (id) ON DELETE SET NULL,
	driver_id	uuid		REFERENCES drivers (id) ON DELETE SET NULL,
	driver_rule_id	uuid		REFERENCES driver_rules (id) ON DELETE SET NULL,
	attribution	text		CHECK (attribution IN ('rule', 'manual')),
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	UNIQUE (vehicle_id, started_at),
	UNIQUE (vehicle_id, id),
	CONSTRAINT drives_time_order CHECK (ended_at >= started_at),
	CONSTRAINT drives_odometer_order CHECK (end_odometer_km >= start_odometer_km),
	CONSTRAINT drives_rule_attribution CHECK (
	    driver_rule_id IS NULL OR attribution = 'rule')
);

COMMENT ON TABLE drives IS
    'From the first state in D/R/N to the next P; SI units.  ended_at NULL '
    '= in progress (at most one per vehicle).';
COMMENT ON COLUMN drives.distance_km IS 'end_odometer_km - start_odometer_km.';
COMMENT ON COLUMN drives.energy_used_kwh IS
    'Energy taken from the battery, from the rated range / battery delta; '
    'may be negative downhill.';
COMMENT ON COLUMN drives.start_battery_level IS 'State of charge at start, percent.';
COMMENT ON COLUMN drives.end_battery_level IS 'State of charge at end, percent.';
COMMENT ON COLUMN drives.start_latitude IS 'WGS84 degrees (all four coordinates).';
COMMENT ON COLUMN drives.attribution IS
    'How driver_id was set: rule (driver_rule_id says which), manual (by '
    'hand; rules leave it alone, driver_id NULL = explicitly nobody), or '
    'NULL (not attributed).';

-- (vehicle_id, started_at) UNIQUE serves "drives of a vehicle, newest first"
-- by a backward scan.
CREATE UNIQUE INDEX drives_one_open ON drives (vehicle_id) WHERE ended_at IS NULL;
CREATE INDEX drives_driver ON drives (driver_id, started_at)
    WHERE driver_id IS NOT NULL;
CREATE INDEX drives_rule ON drives (driver_rule_id)
    WHERE driver_rule_id IS NOT NULL;

CREATE TRIGGER drives_updated_at BEFORE UPDATE ON drives
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();
CREATE TRIGGER drives_same_account
    BEFORE INSERT OR UPDATE OF vehicle_id, driver_id, start_place_id, end_place_id
    ON drives FOR EACH ROW EXECUTE FUNCTION tessie_check_vehicle_refs();

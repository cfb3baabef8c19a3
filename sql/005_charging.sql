-- 005: charging sessions and their per-sample charge curve.

CREATE TABLE charging_sessions (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	vehicle_id	uuid		NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
	started_at	timestamptz	NOT NULL,
	ended_at	timestamptz,
	latitude	double precision CHECK (latitude BETWEEN -90 AND 90),
	longitude	double precision CHECK (longitude BETWEEN -180 AND 180),
	energy_added_kwh real		CHECK (energy_added_kwh BETWEEN 0 AND 1000),
	energy_used_kwh	real		CHECK (energy_used_kwh BETWEEN 0 AND 2000),
	max_power_kw	real		CHECK (max_power_kw BETWEEN 0 AND 1000),
	avg_power_kw	real		CHECK (avg_power_kw BETWEEN 0 AND 1000),
	start_rated_range_km real	CHECK (start_rated_range_km BETWEEN 0 AND 2000),
	end_rated_range_km real		CHECK (end_rated_range_km BETWEEN 0 AND 2000),
	solar_share	real		CHECK (solar_share BETWEEN 0 AND 1),
	solar_energy_kwh real		CHECK (solar_energy_kwh BETWEEN 0 AND 1000),
	start_battery_level smallint	CHECK (start_battery_level BETWEEN 0 AND 100),
	end_battery_level smallint	CHECK (end_battery_level BETWEEN 0 AND 100),
	charge_type	text		CHECK (charge_type IN ('ac', 'dc')),
	charger_type	text		CHECK (length(charger_type) <= 32),
	location_name	text		CHECK (length(location_name) <= 200),
	place_id	uuid		REFERENCES places (id) ON DELETE SET NULL,
	cost		numeric(10,2)	CHECK (cost >= 0),
	currency	char(3)		CHECK (currency ~ '^[A-Z]{3}$'),
	cost_source	text		CHECK (cost_source IN ('tesla', 'tariff', 'manual')),
	tariff_id	uuid		REFERENCES tariffs (id) ON DELETE SET NULL,
	tesla_session_id text		UNIQUE CHECK (length(tesla_session_id) <= 64),
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	UNIQUE (vehicle_id, started_at),
	UNIQUE (vehicle_id, id),
	CONSTRAINT charging_sessions_time_order CHECK (ended_at >= started_at),
	CONSTRAINT charging_sessions_cost_complete CHECK (
	    cost IS NULL OR (currency IS NOT NULL AND cost_source IS NOT NULL)),
	CONSTRAINT charging_sessions_solar_energy CHECK (
	    solar_energy_kwh IS NULL OR energy_used_kwh IS NULL
	    OR solar_energy_kwh <= energy_used_kwh + 0.01)
);

COMMENT ON TABLE charging_sessions IS
    'From charging start to stop/disconnect.  ended_at NULL = in progress '
    '(at most one per vehicle).';
COMMENT ON COLUMN charging_sessions.latitude IS 'WGS84 degrees.  Personal data: never log.';
COMMENT ON COLUMN charging_sessions.longitude IS 'WGS84 degrees.  Personal data: never log.';
COMMENT ON COLUMN charging_sessions.energy_added_kwh IS
    'Energy added to the battery (Tesla charge_energy_added), kWh.';
COMMENT ON COLUMN charging_sessions.energy_used_kwh IS
    'Energy drawn from the charger, kWh: AC phases x V x A (or charger '
    'power on DC) integrated over the samples.';
COMMENT ON COLUMN charging_sessions.solar_share IS
    'Fraction (0..1) of energy_used_kwh covered by the site''s solar '
    'surplus over the session''s minutes; NULL when not at a solar site.';
COMMENT ON COLUMN charging_sessions.solar_energy_kwh IS
    'solar_share x energy_used_kwh, kWh.';
COMMENT ON COLUMN charging_sessions.start_battery_level IS 'State of charge at start, percent.';
COMMENT ON COLUMN charging_sessions.end_battery_level IS 'State of charge at end, percent.';
COMMENT ON COLUMN charging_sessions.charge_type IS
    'ac, or dc when fast_charger_present and no AC phases.';
COMMENT ON COLUMN charging_sessions.charger_type IS
    'Tesla fast_charger_type (Supercharger, Combo, CHAdeMO, ...) or '
    'ACSingleWireCAN / Wall Connector for AC.';
COMMENT ON COLUMN charging_sessions.location_name IS
    'Tesla''s siteLocationName for Supercharger sessions.';
COMMENT ON COLUMN charging_sessions.cost IS
    'Total cost in currency: Tesla''s billing (tesla), the place/site '
    'tariff (tariff) or entered by hand (manual); NULL when unknown.';
COMMENT ON COLUMN charging_sessions.currency IS 'ISO 4217 code.';
COMMENT ON COLUMN charging_sessions.tariff_id IS 'Tariff the cost was computed with.';
COMMENT ON COLUMN charging_sessions.tesla_session_id IS
    'sessionId from /api/1/dx/charging/history (Supercharger billing).';

-- (vehicle_id, started_at) UNIQUE serves per-vehicle lists, newest first.
CREATE UNIQUE INDEX charging_sessions_one_open ON charging_sessions (vehicle_id)
    WHERE ended_at IS NULL;
CREATE INDEX charging_sessions_place ON charging_sessions (place_id, started_at)
    WHERE place_id IS NOT NULL;
CREATE INDEX charging_sessions_tariff ON charging_sessions (tariff_id)
    WHERE tariff_id IS NOT NULL;

CREATE TRIGGER charging_sessions_updated_at BEFORE UPDATE ON charging_sessions
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();
CREATE TRIGGER charging_sessions_same_account
    BEFORE INSERT OR UPDATE OF vehicle_id, place_id, tariff_id
    ON charging_sessions FOR EACH ROW EXECUTE FUNCTION tessie_check_vehicle_refs();

-- The charge curve: one row per sample while charging.  vehicle_id is kept
-- (and must match the session's, by the composite key) so that the series
-- can be distributed by vehicle_id with its session (DESIGN §10).
CREATE TABLE charging_samples (
	session_id	uuid		NOT NULL,
	ts		timestamptz	NOT NULL,
	vehicle_id	uuid		NOT NULL,
	charger_power_kw real		CHECK (charger_power_kw BETWEEN 0 AND 1000),
	charge_energy_added_kwh real	CHECK (charge_energy_added_kwh BETWEEN 0 AND 1000),
	rated_range_km	real		CHECK (rated_range_km BETWEEN 0 AND 2000),
	outside_temp_c	real		CHECK (outside_temp_c BETWEEN -60 AND 70),
	battery_level	smallint	CHECK (battery_level BETWEEN 0 AND 100),
	usable_battery_level smallint	CHECK (usable_battery_level BETWEEN 0 AND 100),
	charger_voltage	smallint	CHECK (charger_voltage BETWEEN 0 AND 2000),
	charger_actual_current smallint CHECK (charger_actual_current BETWEEN 0 AND 2000),
	charger_phases	smallint	CHECK (charger_phases BETWEEN 0 AND 3),
	PRIMARY KEY (session_id, ts),
	FOREIGN KEY (vehicle_id, session_id)
	    REFERENCES charging_sessions (vehicle_id, id) ON DELETE CASCADE
);

COMMENT ON TABLE charging_samples IS
    'Charge curve samples of a session; key (session_id, ts) = idempotent upsert.';
COMMENT ON COLUMN charging_samples.charge_energy_added_kwh IS
    'Tesla''s session counter at this sample, kWh.';
COMMENT ON COLUMN charging_samples.battery_level IS 'State of charge, percent.';
COMMENT ON COLUMN charging_samples.usable_battery_level IS 'Usable state of charge, percent.';
COMMENT ON COLUMN charging_samples.charger_voltage IS 'V.';
COMMENT ON COLUMN charging_samples.charger_actual_current IS 'A.';
COMMENT ON COLUMN charging_samples.charger_phases IS 'AC phases in use; NULL on DC.';

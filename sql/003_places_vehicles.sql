-- 003: places (named locations / geofences), vehicles and their state
-- time series.
--
-- vehicle_states stores SI units converted once on insert from Tesla's
-- miles / mph (x 1.609344); temperatures are already degrees C.

CREATE TABLE places (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name		text		NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	latitude	double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
	longitude	double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
	radius_m	real		NOT NULL DEFAULT 100
	    CHECK (radius_m > 0 AND radius_m <= 50000),
	tariff_id	uuid,
	energy_site_id	uuid,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	UNIQUE (account_id, name),
	UNIQUE (account_id, id),
	FOREIGN KEY (account_id, tariff_id) REFERENCES tariffs (account_id, id)
	    ON DELETE SET NULL (tariff_id),
	FOREIGN KEY (account_id, energy_site_id) REFERENCES energy_sites (account_id, id)
	    ON DELETE SET NULL (energy_site_id)
);

COMMENT ON TABLE places IS
    'Named locations (home, work, ...): a circle of radius_m around '
    'latitude/longitude (WGS84 degrees).  Drives and charges are matched '
    'to the nearest place whose circle contains them.';
COMMENT ON COLUMN places.tariff_id IS
    'Manual tariff for charges here (used when no site tariff applies).';
COMMENT ON COLUMN places.energy_site_id IS
    'Energy site at this place: charges here get a solar share and the '
    'site''s tariff.';

CREATE INDEX places_tariff ON places (tariff_id) WHERE tariff_id IS NOT NULL;
CREATE INDEX places_energy_site ON places (energy_site_id)
    WHERE energy_site_id IS NOT NULL;

CREATE TRIGGER places_updated_at BEFORE UPDATE ON places
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

CREATE TABLE vehicles (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	tesla_id	bigint		NOT NULL UNIQUE,
	vin		text		NOT NULL UNIQUE
	    CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
	display_name	text		CHECK (length(display_name) <= 100),
	model		text		CHECK (length(model) <= 40),
	trim		text		CHECK (length(trim) <= 60),
	year		smallint	CHECK (year BETWEEN 2008 AND 2100),
	color		text		CHECK (length(color) <= 60),
	state		text		NOT NULL DEFAULT 'unknown'
	    CHECK (state IN ('online', 'asleep', 'offline', 'unknown')),
	state_changed_at timestamptz,
	last_seen_at	timestamptz,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	UNIQUE (account_id, id)
);

COMMENT ON TABLE vehicles IS 'Tesla vehicles of an account.';
COMMENT ON COLUMN vehicles.tesla_id IS
    'Tesla "id" from /api/1/vehicles (64-bit integer; not vehicle_id).';
COMMENT ON COLUMN vehicles.vin IS
    '17-character VIN (ISO 3779 alphabet: no I, O or Q).';
COMMENT ON COLUMN vehicles.state IS
    'Last state reported by the free /api/1/vehicles list: online, asleep, '
    'offline; unknown before the first poll.';
COMMENT ON COLUMN vehicles.state_changed_at IS 'When state last changed.';
COMMENT ON COLUMN vehicles.last_seen_at IS
    'Last time the car was seen online (vehicle_data answered).';

CREATE TRIGGER vehicles_updated_at BEFORE UPDATE ON vehicles
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

-- One row per vehicle_data poll (or telemetry sample).  The primary key
-- (vehicle_id, ts) makes a re-poll an idempotent upsert and serves both
-- "latest state" (backward scan, LIMIT 1) and history range scans.
-- Columns are ordered for alignment (8-, 4-, 2-, 1-byte, then text).
CREATE TABLE vehicle_states (
	vehicle_id	uuid		NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
	ts		timestamptz	NOT NULL,
	odometer_km	double precision CHECK (odometer_km >= 0),
	latitude	double precision CHECK (latitude BETWEEN -90 AND 90),
	longitude	double precision CHECK (longitude BETWEEN -180 AND 180),
	rated_range_km	real		CHECK (rated_range_km BETWEEN 0 AND 2000),
	ideal_range_km	real		CHECK (ideal_range_km BETWEEN 0 AND 2000),
	est_range_km	real		CHECK (est_range_km BETWEEN 0 AND 2000),
	charge_energy_added_kwh real	CHECK (charge_energy_added_kwh BETWEEN 0 AND 1000),
	charger_power_kw real		CHECK (charger_power_kw BETWEEN 0 AND 1000),
	charge_rate_kmh	real		CHECK (charge_rate_kmh BETWEEN 0 AND 10000),
	time_to_full_charge_h real	CHECK (time_to_full_charge_h BETWEEN 0 AND 1000),
	speed_kmh	real		CHECK (speed_kmh BETWEEN 0 AND 500),
	power_kw	real		CHECK (power_kw BETWEEN -1000 AND 2000),
	elevation_m	real		CHECK (elevation_m BETWEEN -500 AND 9000),
	inside_temp_c	real		CHECK (inside_temp_c BETWEEN -60 AND 100),
	outside_temp_c	real		CHECK (outside_temp_c BETWEEN -60 AND 70),
	battery_level	smallint	CHECK (battery_level BETWEEN 0 AND 100),
	usable_battery_level smallint	CHECK (usable_battery_level BETWEEN 0 AND 100),
	charge_limit_soc smallint	CHECK (charge_limit_soc BETWEEN 0 AND 100),
	charger_voltage	smallint	CHECK (charger_voltage BETWEEN 0 AND 2000),
	charger_actual_current smallint CHECK (charger_actual_current BETWEEN 0 AND 2000),
	charger_phases	smallint	CHECK (charger_phases BETWEEN 0 AND 3),
	heading		smallint	CHECK (heading BETWEEN 0 AND 360),
	is_climate_on	boolean,
	locked		boolean,
	sentry_mode	boolean,
	fast_charger_present boolean,
	state		text
	    CHECK (state IN ('online', 'asleep', 'offline', 'unknown')),
	shift_state	text		CHECK (shift_state IN ('P', 'R', 'N', 'D')),
	charging_state	text		CHECK (charging_state ~ '^[A-Za-z_]{1,32}$'),
	fast_charger_type text		CHECK (length(fast_charger_type) <= 32),
	conn_charge_cable text		CHECK (length(conn_charge_cable) <= 32),
	software_version text		CHECK (length(software_version) <= 64),
	PRIMARY KEY (vehicle_id, ts)
);

COMMENT ON TABLE vehicle_states IS
    'Vehicle state samples, SI units (converted from Tesla''s miles/mph '
    'on insert).  Key (vehicle_id, ts) = idempotent upsert.';
COMMENT ON COLUMN vehicle_states.ts IS
    'Sample time: the vehicle_data timestamp (Tesla sends ms since epoch), '
    'not the poll time.';
COMMENT ON COLUMN vehicle_states.latitude IS 'WGS84 degrees.  Personal data: never log.';
COMMENT ON COLUMN vehicle_states.longitude IS 'WGS84 degrees.  Personal data: never log.';
COMMENT ON COLUMN vehicle_states.rated_range_km IS 'charge_state.battery_range (miles) x 1.609344.';
COMMENT ON COLUMN vehicle_states.ideal_range_km IS 'charge_state.ideal_battery_range x 1.609344.';
COMMENT ON COLUMN vehicle_states.est_range_km IS 'charge_state.est_battery_range x 1.609344.';
COMMENT ON COLUMN vehicle_states.charge_energy_added_kwh IS
    'Tesla''s counter for the current or last session; it keeps its value '
    'after unplugging and restarts from 0 with the next session.';
COMMENT ON COLUMN vehicle_states.charge_rate_kmh IS
    'Range added per hour of charging, km/h (Tesla charge_rate, mph x 1.609344).';
COMMENT ON COLUMN vehicle_states.power_kw IS
    'drive_state.power, kW: > 0 consumption, < 0 energy into the battery '
    '(regeneration, charging).';
COMMENT ON COLUMN vehicle_states.battery_level IS 'State of charge, percent of total.';
COMMENT ON COLUMN vehicle_states.usable_battery_level IS 'Usable state of charge, percent.';
COMMENT ON COLUMN vehicle_states.charge_limit_soc IS 'Charge limit, percent.';
COMMENT ON COLUMN vehicle_states.charger_voltage IS 'Charger voltage, V (about 2 V when idle).';
COMMENT ON COLUMN vehicle_states.charger_actual_current IS 'Charger current, A.';
COMMENT ON COLUMN vehicle_states.charger_phases IS
    'AC phases in use; NULL when unplugged and on DC.';
COMMENT ON COLUMN vehicle_states.heading IS 'Degrees clockwise from north, 0..360.';
COMMENT ON COLUMN vehicle_states.state IS 'Vehicle state when sampled (online, asleep, offline).';
COMMENT ON COLUMN vehicle_states.shift_state IS
    'P, R, N, D; NULL when parked/asleep (Tesla null, SNA or invalid).';
COMMENT ON COLUMN vehicle_states.charging_state IS
    'Tesla charging_state: Starting, Charging, Stopped, Complete, '
    'Disconnected, NoPower (stored as sent).';
COMMENT ON COLUMN vehicle_states.fast_charger_type IS
    'Tesla fast_charger_type, e.g. Supercharger, Combo, CHAdeMO, ACSingleWireCAN.';
COMMENT ON COLUMN vehicle_states.conn_charge_cable IS
    'Tesla conn_charge_cable, e.g. IEC, SAE; NULL for <invalid>.';
COMMENT ON COLUMN vehicle_states.software_version IS 'vehicle_state.car_version.';

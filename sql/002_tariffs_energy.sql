-- 002: tariffs, energy sites (Powerwall / solar / grid) and their series.
--
-- Units: power in W (as Tesla's live_status), energy in kWh (Tesla's Wh
-- divided by 1000 on insert), state of charge in percent.
-- Signs follow Tesla: battery_power_w > 0 discharging, grid_power_w > 0
-- importing, so load = solar + battery + grid + generator.

-- Electricity tariffs: Tesla's own (site_info.tariff_content_v2) or entered
-- by hand for a place (flat or time-of-use).
CREATE TABLE tariffs (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name		text		NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	currency	char(3)		NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	kind		text		NOT NULL CHECK (kind IN ('tou', 'flat')),
	content		jsonb		NOT NULL DEFAULT '{}'
	    CHECK (jsonb_typeof(content) = 'object'),
	source		text		NOT NULL DEFAULT 'manual'
	    CHECK (source IN ('tesla', 'manual')),
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	UNIQUE (account_id, name),
	UNIQUE (account_id, id)
);

COMMENT ON TABLE tariffs IS
    'Electricity prices used to cost home and third-party AC charges.';
COMMENT ON COLUMN tariffs.currency IS 'ISO 4217 code, e.g. EUR.';
COMMENT ON COLUMN tariffs.content IS
    'source = tesla: site_info.tariff_content_v2 verbatim.  source = manual: '
    'the same shape for tou, or {"energy_charge": <price per kWh>} for flat.';

CREATE TRIGGER tariffs_updated_at BEFORE UPDATE ON tariffs
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

CREATE TABLE energy_sites (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	tesla_site_id	bigint		NOT NULL UNIQUE,
	site_name	text		CHECK (length(site_name) <= 200),
	time_zone	text		NOT NULL DEFAULT 'UTC'
	    CHECK (length(time_zone) <= 64),
	battery_count	smallint	CHECK (battery_count BETWEEN 0 AND 1000),
	total_capacity_kwh real		CHECK (total_capacity_kwh >= 0),
	nameplate_power_kw real		CHECK (nameplate_power_kw >= 0),
	has_solar	boolean,
	has_battery	boolean,
	tariff_id	uuid,
	last_seen_at	timestamptz,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	UNIQUE (account_id, id),
	-- The tariff must be the same account's; deleting it clears only
	-- tariff_id (PostgreSQL 15 column list).
	FOREIGN KEY (account_id, tariff_id) REFERENCES tariffs (account_id, id)
	    ON DELETE SET NULL (tariff_id)
);

COMMENT ON TABLE energy_sites IS 'Tesla energy products (Powerwall, solar).';
COMMENT ON COLUMN energy_sites.tesla_site_id IS
    'Tesla energy_site_id (64-bit integer).';
COMMENT ON COLUMN energy_sites.time_zone IS
    'IANA installation_time_zone from site_info; local days of '
    'energy_daily are computed in it.  Validated by trigger.';
COMMENT ON COLUMN energy_sites.total_capacity_kwh IS
    'Usable battery capacity (site_info nameplate_energy / 1000).';
COMMENT ON COLUMN energy_sites.nameplate_power_kw IS
    'Battery power rating (site_info nameplate_power / 1000).';
COMMENT ON COLUMN energy_sites.tariff_id IS
    'Tariff used to cost charges at this site (usually Tesla''s).';

CREATE INDEX energy_sites_tariff ON energy_sites (tariff_id)
    WHERE tariff_id IS NOT NULL;

CREATE TRIGGER energy_sites_updated_at BEFORE UPDATE ON energy_sites
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();
CREATE TRIGGER energy_sites_time_zone_ins BEFORE INSERT ON energy_sites
    FOR EACH ROW EXECUTE FUNCTION tessie_check_time_zone();
CREATE TRIGGER energy_sites_time_zone_upd BEFORE UPDATE OF time_zone ON energy_sites
    FOR EACH ROW WHEN (NEW.time_zone IS DISTINCT FROM OLD.time_zone)
    EXECUTE FUNCTION tessie_check_time_zone();

-- live_status samples.  Key (site_id, ts): re-polling is an idempotent upsert.
CREATE TABLE energy_states (
	site_id		uuid		NOT NULL REFERENCES energy_sites (id) ON DELETE CASCADE,
	ts		timestamptz	NOT NULL,
	solar_power_w	real,
	battery_power_w	real,
	grid_power_w	real,
	load_power_w	real,
	generator_power_w real,
	grid_services_power_w real,
	wall_connector_power_w real	CHECK (wall_connector_power_w >= 0),
	battery_percent	real		CHECK (battery_percent BETWEEN 0 AND 100),
	energy_left_kwh	real		CHECK (energy_left_kwh >= 0),
	total_pack_energy_kwh real	CHECK (total_pack_energy_kwh >= 0),
	storm_mode_active boolean,
	grid_status	text		CHECK (length(grid_status) <= 32),
	island_status	text		CHECK (length(island_status) <= 32),
	PRIMARY KEY (site_id, ts),
	CHECK (solar_power_w BETWEEN -1e6 AND 1e7),
	CHECK (battery_power_w BETWEEN -1e7 AND 1e7),
	CHECK (grid_power_w BETWEEN -1e7 AND 1e7),
	CHECK (load_power_w BETWEEN -1e6 AND 1e7),
	CHECK (generator_power_w BETWEEN -1e6 AND 1e7)
);

COMMENT ON TABLE energy_states IS
    'Site power samples from live_status, W.  '
    'load = solar + battery + grid + generator.';
COMMENT ON COLUMN energy_states.ts IS
    'live_status timestamp (sample time at the site), not the poll time.';
COMMENT ON COLUMN energy_states.solar_power_w IS
    'Solar production, W (slightly negative at night on some inverters).';
COMMENT ON COLUMN energy_states.battery_power_w IS
    'Powerwall power, W: > 0 discharging (supplying the home), '
    '< 0 charging.  Tesla''s sign.';
COMMENT ON COLUMN energy_states.grid_power_w IS
    'Grid power, W: > 0 importing from the grid, < 0 exporting.  Tesla''s sign.';
COMMENT ON COLUMN energy_states.load_power_w IS
    'Home consumption, W (= solar + battery + grid + generator).';
COMMENT ON COLUMN energy_states.generator_power_w IS
    'Generator power, W: > 0 producing.';
COMMENT ON COLUMN energy_states.wall_connector_power_w IS
    'Sum of the site''s Wall Connector power, W (part of load).';
COMMENT ON COLUMN energy_states.battery_percent IS
    'Powerwall state of charge, percent (percentage_charged).';
COMMENT ON COLUMN energy_states.grid_status IS
    'Tesla grid_status, e.g. Active, Inactive.';
COMMENT ON COLUMN energy_states.island_status IS
    'Tesla island_status, e.g. on_grid, off_grid.';

-- Daily totals per site per local calendar day in energy_sites.time_zone
-- (DST days have 23 or 25 hours).  Tesla's calendar_history is authoritative
-- (the plain columns); totals integrated from energy_states are stored
-- beside them (samples_*) with the coverage of those samples.
CREATE TABLE energy_daily (
	site_id		uuid		NOT NULL REFERENCES energy_sites (id) ON DELETE CASCADE,
	local_date	date		NOT NULL,
	solar_produced_kwh double precision CHECK (solar_produced_kwh >= 0),
	solar_exported_kwh double precision CHECK (solar_exported_kwh >= 0),
	battery_charged_kwh double precision CHECK (battery_charged_kwh >= 0),
	battery_discharged_kwh double precision CHECK (battery_discharged_kwh >= 0),
	grid_imported_kwh double precision CHECK (grid_imported_kwh >= 0),
	grid_exported_kwh double precision CHECK (grid_exported_kwh >= 0),
	home_consumed_kwh double precision CHECK (home_consumed_kwh >= 0),
	self_consumption_pct real	CHECK (self_consumption_pct BETWEEN 0 AND 100),
	source		text		NOT NULL CHECK (source IN ('tesla', 'samples')),
	samples_solar_produced_kwh double precision,
	samples_battery_charged_kwh double precision,
	samples_battery_discharged_kwh double precision,
	samples_grid_imported_kwh double precision,
	samples_grid_exported_kwh double precision,
	samples_home_consumed_kwh double precision,
	completeness	real		NOT NULL DEFAULT 0
	    CHECK (completeness BETWEEN 0 AND 1),
	flagged		boolean		NOT NULL DEFAULT false,
	flag_reason	text		CHECK (length(flag_reason) <= 200),
	fetched_at	timestamptz,
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	PRIMARY KEY (site_id, local_date),
	CHECK (source <> 'tesla' OR fetched_at IS NOT NULL)
);

COMMENT ON TABLE energy_daily IS
    'Per-site daily energy totals on the site''s local calendar day, kWh.';
COMMENT ON COLUMN energy_daily.local_date IS
    'Calendar day in energy_sites.time_zone.';
COMMENT ON COLUMN energy_daily.solar_exported_kwh IS
    'Solar energy sent to the grid, kWh.';
COMMENT ON COLUMN energy_daily.self_consumption_pct IS
    'Share of solar production used on site (home or Powerwall), percent: '
    '100 * (solar_produced - solar_exported) / solar_produced; NULL without '
    'production.  (Tesla''s "self-powered" share is derivable: '
    '100 * (home_consumed - grid_imported) / home_consumed.)';
COMMENT ON COLUMN energy_daily.source IS
    'Where the plain totals come from: tesla (calendar_history) or samples '
    '(integrated from energy_states because Tesla had nothing yet).';
COMMENT ON COLUMN energy_daily.samples_solar_produced_kwh IS
    'The samples_* columns: the same totals integrated from energy_states '
    '(trapezoids over gaps up to a few minutes), kWh.';
COMMENT ON COLUMN energy_daily.completeness IS
    'Fraction (0..1) of the local day covered by energy_states samples.';
COMMENT ON COLUMN energy_daily.flagged IS
    'Tesla and sample totals disagree, or data is missing: re-fetch.';
COMMENT ON COLUMN energy_daily.fetched_at IS
    'When Tesla''s calendar_history for this day was last fetched.';

CREATE INDEX energy_daily_flagged ON energy_daily (site_id, local_date)
    WHERE flagged;

CREATE TRIGGER energy_daily_updated_at BEFORE UPDATE ON energy_daily
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

-- Tesla calendar_history?kind=energy buckets, one row per bucket, in kWh
-- (Tesla's Wh / 1000).  Column names are Tesla's field names + _kwh.
CREATE TABLE energy_history (
	site_id		uuid		NOT NULL REFERENCES energy_sites (id) ON DELETE CASCADE,
	period		text		NOT NULL
	    CHECK (period IN ('5min', '15min', 'hour', 'day')),
	ts		timestamptz	NOT NULL,
	solar_energy_exported_kwh double precision,
	generator_energy_exported_kwh double precision,
	grid_energy_imported_kwh double precision,
	grid_services_energy_imported_kwh double precision,
	grid_services_energy_exported_kwh double precision,
	grid_energy_exported_from_solar_kwh double precision,
	grid_energy_exported_from_generator_kwh double precision,
	grid_energy_exported_from_battery_kwh double precision,
	battery_energy_exported_kwh double precision,
	battery_energy_imported_from_grid_kwh double precision,
	battery_energy_imported_from_solar_kwh double precision,
	battery_energy_imported_from_generator_kwh double precision,
	consumer_energy_imported_from_grid_kwh double precision,
	consumer_energy_imported_from_solar_kwh double precision,
	consumer_energy_imported_from_battery_kwh double precision,
	consumer_energy_imported_from_generator_kwh double precision,
	fetched_at	timestamptz	NOT NULL DEFAULT now(),
	PRIMARY KEY (site_id, period, ts)
);

COMMENT ON TABLE energy_history IS
    'Tesla calendar_history energy buckets, kWh per bucket.  Solar '
    'production = solar_energy_exported_kwh; home = sum of consumer_*; '
    'battery charge = sum of battery_energy_imported_*; grid export = sum '
    'of grid_energy_exported_from_*.';
COMMENT ON COLUMN energy_history.period IS
    'Length of the bucket starting at ts.';
COMMENT ON COLUMN energy_history.ts IS
    'Bucket start (Tesla''s timestamp, which carries the site''s offset).';

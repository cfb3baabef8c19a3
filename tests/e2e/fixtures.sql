-- Browser-test data on top of tests/integration/fixtures.sql, relative to
-- now() so the dashboard has something live to show: Red Rocket home and
-- charging after two drives today, Blue Whale asleep at the office, and a
-- Powerwall + solar site with live samples and 5-minute history.
\set ON_ERROR_STOP on

INSERT INTO places (id, account_id, name, latitude, longitude, radius_m)
SELECT 'aaaaaaaa-0000-4000-8000-000000000001', id, 'Home', 52.5200, 13.4050, 150
FROM accounts WHERE username = 'admin';
INSERT INTO places (id, account_id, name, latitude, longitude, radius_m)
SELECT 'aaaaaaaa-0000-4000-8000-000000000002', id, 'Office', 52.5000, 13.3500, 200
FROM accounts WHERE username = 'admin';

UPDATE vehicles SET last_seen_at = now() - interval '1 minute', state = 'online'
WHERE id = '11111111-1111-4111-8111-111111111111';
UPDATE vehicles SET last_seen_at = now() - interval '5 hours', state = 'asleep'
WHERE id = '22222222-2222-4222-8222-222222222222';

-- Red Rocket: a sample every 10 minutes for three days. Parked at home,
-- except two drives: to the office 8 h ago and back 3 h ago (30 min each).
-- Charging at home for the last hour.
WITH t AS (
	SELECT g AS ts, extract(epoch FROM now() - g) / 60 AS ago
	FROM generate_series(date_trunc('minute', now()) - interval '3 days',
	    date_trunc('minute', now()) - interval '1 minute', interval '10 minutes') g
), p AS (
	SELECT ts, ago,
	    CASE WHEN ago BETWEEN 450 AND 480 THEN (480 - ago) / 30.0
		 WHEN ago BETWEEN 180 AND 210 THEN (ago - 180) / 30.0
		 WHEN ago BETWEEN 210 AND 450 THEN 1.0
		 ELSE 0.0 END AS f,
	    (ago BETWEEN 450 AND 480) OR (ago BETWEEN 180 AND 210) AS driving
	FROM t
)
INSERT INTO vehicle_states (vehicle_id, ts, odometer_km, latitude, longitude,
	battery_level, rated_range_km, charging_state, charger_power_kw,
	charge_limit_soc, shift_state, speed_kmh, inside_temp_c, outside_temp_c,
	state, software_version)
SELECT '11111111-1111-4111-8111-111111111111', ts,
	13000 + (4320 - ago) * 0.02,
	52.5200 + (52.5000 - 52.5200) * f + CASE WHEN driving THEN 0.004 * sin(f * pi()) ELSE 0 END,
	13.4050 + (13.3500 - 13.4050) * f,
	greatest(20, least(90, round(85 - (4320 - ago) / 120.0 + CASE WHEN ago < 60 THEN (60 - ago) / 6 ELSE 0 END)))::smallint,
	greatest(20, least(90, 85 - (4320 - ago) / 120.0 + CASE WHEN ago < 60 THEN (60 - ago) / 6 ELSE 0 END)) * 4.9,
	CASE WHEN ago < 60 THEN 'Charging' ELSE 'Disconnected' END,
	CASE WHEN ago < 60 THEN 7.2 ELSE 0 END,
	90,
	CASE WHEN driving THEN 'D' ELSE 'P' END,
	CASE WHEN driving THEN 35 + 20 * sin(f * pi()) ELSE 0 END,
	20.5, 6.0, 'online', '2026.38.4'
FROM p;

-- Blue Whale: asleep at the office since 5 hours.
INSERT INTO vehicle_states (vehicle_id, ts, odometer_km, latitude, longitude,
	battery_level, rated_range_km, charging_state, shift_state, state)
VALUES ('22222222-2222-4222-8222-222222222222', now() - interval '5 hours',
	42100.4, 52.5003, 13.3502, 54, 251.0, 'Disconnected', 'P', 'asleep');

INSERT INTO drives (vehicle_id, started_at, ended_at, start_odometer_km,
	end_odometer_km, start_latitude, start_longitude, end_latitude,
	end_longitude, distance_km, start_rated_range_km, end_rated_range_km,
	energy_used_kwh, max_speed_kmh, avg_speed_kmh, start_battery_level,
	end_battery_level, start_place_id, end_place_id)
VALUES
	('11111111-1111-4111-8111-111111111111',
	 date_trunc('minute', now()) - interval '480 minutes',
	 date_trunc('minute', now()) - interval '450 minutes',
	 13076.2, 13082.0, 52.52, 13.405, 52.50, 13.35, 5.8, 390.0, 383.2, 1.1,
	 55, 22.4, 80, 78,
	 'aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002'),
	('11111111-1111-4111-8111-111111111111',
	 date_trunc('minute', now()) - interval '210 minutes',
	 date_trunc('minute', now()) - interval '180 minutes',
	 13082.0, 13088.1, 52.50, 13.35, 52.52, 13.405, 6.1, 380.1, 372.4, 1.2,
	 57, 24.1, 78, 76,
	 'aaaaaaaa-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000001');

-- The energy site.
INSERT INTO energy_sites (id, account_id, tesla_site_id, site_name, time_zone,
	battery_count, total_capacity_kwh, nameplate_power_kw, has_solar,
	has_battery, backup_reserve_percent, operation_mode, last_seen_at)
SELECT 'eeeeeeee-0000-4000-8000-000000000001', id, 2252147339991234, 'Home',
	'Europe/Berlin', 2, 27.0, 10.0, true, true, 20, 'self_consumption',
	now()
FROM accounts WHERE username = 'admin';

-- Live samples every 5 minutes for two hours; the latest 20 s old:
-- solar 4.2 kW, Powerwall discharging 1.2 kW, grid importing 3.3 kW,
-- load 8.7 kW of which the car's Wall Connector takes 7.2 kW.
INSERT INTO energy_states (site_id, ts, solar_power_w, battery_power_w,
	grid_power_w, load_power_w, wall_connector_power_w, battery_percent,
	energy_left_kwh, total_pack_energy_kwh, grid_status, island_status)
SELECT 'eeeeeeee-0000-4000-8000-000000000001', now() - interval '20 seconds' - g * interval '5 minutes',
	4200, 1200, 3300, 8700, 7200, 64.0 + g * 0.2, (64.0 + g * 0.2) * 0.27,
	27.0, 'Active', 'on_grid'
FROM generate_series(0, 24) g;

-- Tesla's 5-minute history for the last 30 hours: solar by the local hour,
-- a steady home load, the Powerwall charged by solar at noon.
WITH b AS (
	SELECT ts, extract(hour FROM ts AT TIME ZONE 'Europe/Berlin')
	    + extract(minute FROM ts AT TIME ZONE 'Europe/Berlin') / 60.0 AS h
	FROM generate_series(date_trunc('hour', now()) - interval '30 hours',
	    now() - interval '5 minutes', interval '5 minutes') ts
), e AS (
	SELECT ts, greatest(0, sin(pi() * (h - 8) / 8)) * 0.35 AS solar, 0.08 AS home FROM b
)
INSERT INTO energy_history (site_id, period, ts, solar_energy_exported_kwh,
	grid_energy_imported_kwh, grid_energy_exported_from_solar_kwh,
	battery_energy_exported_kwh, battery_energy_imported_from_solar_kwh,
	consumer_energy_imported_from_grid_kwh,
	consumer_energy_imported_from_solar_kwh,
	consumer_energy_imported_from_battery_kwh)
SELECT 'eeeeeeee-0000-4000-8000-000000000001', '5min', ts,
	solar,
	greatest(0, home - solar) * 0.5,
	greatest(0, solar - home) * 0.4,
	greatest(0, home - solar) * 0.5,
	greatest(0, solar - home) * 0.6,
	greatest(0, home - solar) * 0.5,
	least(solar, home),
	greatest(0, home - solar) * 0.5
FROM e;

-- ==== Drivers & settings pages (tests/e2e/drivers_settings.mjs) ====
-- A driver with a rule, a time-of-use tariff, this month's Fleet API calls
-- and the last runs of a few sync jobs. Names are the ones the test expects.
INSERT INTO drivers (id, account_id, name)
SELECT 'dddddddd-0000-4000-8000-000000000001', id, 'Sam'
FROM accounts WHERE username = 'admin';
INSERT INTO driver_rules (account_id, driver_id, name, vehicle_id, weekdays,
	start_time, end_time, priority)
SELECT id, 'dddddddd-0000-4000-8000-000000000001', 'Blue Whale commute',
	'22222222-2222-4222-8222-222222222222', '{1,2,3,4,5}', '07:00', '09:30', 50
FROM accounts WHERE username = 'admin';

INSERT INTO tariffs (account_id, name, currency, kind, content)
SELECT id, 'Night saver', 'EUR', 'tou',
	'{"periods": [{"days": [1,2,3,4,5,6,7], "from": "00:00", "to": "06:00", "per_kwh": 0.18}], "default_per_kwh": 0.32}'
FROM accounts WHERE username = 'admin';

INSERT INTO fleet_api_calls (ts, account_id, endpoint_class, endpoint, http_status, cost)
SELECT greatest(date_trunc('month', now()), now() - g * interval '10 minutes'), id,
	'data', '/api/1/vehicles/{id}/vehicle_data', 200, 0.002
FROM accounts, generate_series(1, 40) g WHERE username = 'admin';

INSERT INTO sync_runs (job, trigger, status, queued_at, started_at, finished_at,
	items_ok, items_failed, api_calls, api_cost, error)
VALUES
	('vehicles', 'cron', 'succeeded', now() - interval '3 minutes',
	 now() - interval '3 minutes', now() - interval '3 minutes' + interval '4 seconds',
	 2, 0, 3, 0.006, NULL),
	('energy_history', 'cron', 'failed', now() - interval '70 minutes',
	 now() - interval '70 minutes', now() - interval '70 minutes' + interval '2 seconds',
	 0, 1, 1, 0, 'Tesla answered 503; will retry');
-- ==== end of drivers & settings ====

-- ==== Charging & energy pages (tests/e2e/charging_energy.mjs) ====
-- Charging sessions (relative to now): Red Rocket charging at home now (in
-- progress), a home AC charge yesterday with its curve, solar/Powerwall/grid
-- split and Tesla's tariff, a Supercharger stop 10 days ago with its curve,
-- and 30 older home charges (so the list pages); Blue Whale charged at the
-- office 2 days ago, billed in USD. Energy: daily totals for the last 45
-- local days of the site (Europe/Berlin), one flagged 3 days ago and one
-- incomplete (samples, 60 %) 6 days ago, priced in EUR. The hourly buckets
-- are the 5-minute history above.
INSERT INTO tariffs (id, account_id, name, currency, kind, source, content)
SELECT 'cccccccc-0000-4000-8000-000000000001', id, 'Tesla time-of-use', 'EUR',
	'tou', 'tesla', '{}'
FROM accounts WHERE username = 'admin';

INSERT INTO charging_sessions (id, vehicle_id, started_at, ended_at, latitude,
	longitude, energy_added_kwh, energy_used_kwh, max_power_kw, avg_power_kw,
	start_rated_range_km, end_rated_range_km, start_battery_level,
	end_battery_level, charge_type, charger_type, cable, location_name,
	place_id, cost, currency, cost_source, tariff_id, site_id, solar_share,
	battery_share, grid_share, solar_kwh, battery_kwh, grid_kwh, derived)
VALUES
	-- yesterday at home, 3 h at 11 kW
	('cccccccc-1111-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111',
	 date_trunc('minute', now()) - interval '27 hours',
	 date_trunc('minute', now()) - interval '24 hours',
	 52.52, 13.405, 30.4, 32.6, 11.0, 10.1, 196, 416.5, 40, 85,
	 'ac', 'Wall Connector', 'IEC', NULL,
	 'aaaaaaaa-0000-4000-8000-000000000001', 6.12, 'EUR', 'tariff',
	 'cccccccc-0000-4000-8000-000000000001',
	 'eeeeeeee-0000-4000-8000-000000000001', 0.45, 0.15, 0.40, 14.67, 4.89, 13.04, true),
	-- a Supercharger stop 10 days ago
	('cccccccc-1111-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111',
	 date_trunc('minute', now()) - interval '10 days',
	 date_trunc('minute', now()) - interval '10 days' + interval '32 minutes',
	 51.34, 12.37, 48.2, 50.9, 148.0, 90.4, 88, 367.5, 18, 80,
	 'dc', 'Supercharger', NULL, 'Leipzig, Germany - Supercharger',
	 NULL, 18.40, 'EUR', 'tesla', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true),
	-- Blue Whale at the office, 40 days ago (its only charge: its last 30
	-- days are empty, states.mjs), billed in USD
	('cccccccc-1111-4000-8000-000000000003', '22222222-2222-4222-8222-222222222222',
	 date_trunc('minute', now()) - interval '40 days',
	 date_trunc('minute', now()) - interval '40 days' + interval '2 hours',
	 52.5003, 13.3502, 14.5, 15.6, 7.4, 7.2, 180, 251, 38, 54,
	 'ac', 'Wall Connector', 'IEC', NULL,
	 'aaaaaaaa-0000-4000-8000-000000000002', 4.50, 'USD', 'manual',
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true);

-- Red Rocket charging at home right now (as vehicle_states say).
INSERT INTO charging_sessions (id, vehicle_id, started_at, ended_at, latitude,
	longitude, energy_added_kwh, max_power_kw, start_battery_level,
	charge_type, charger_type, place_id, site_id, derived)
VALUES ('cccccccc-1111-4000-8000-000000000004', '11111111-1111-4111-8111-111111111111',
	date_trunc('minute', now()) - interval '60 minutes', NULL, 52.52, 13.405,
	6.8, 7.2, 70, 'ac', 'Wall Connector',
	'aaaaaaaa-0000-4000-8000-000000000001',
	'eeeeeeee-0000-4000-8000-000000000001', true);

-- 30 older home charges, every 3 days from 12 days back.
INSERT INTO charging_sessions (vehicle_id, started_at, ended_at, latitude,
	longitude, energy_added_kwh, energy_used_kwh, max_power_kw, avg_power_kw,
	start_battery_level, end_battery_level, charge_type, charger_type,
	place_id, cost, currency, cost_source, site_id, solar_share,
	battery_share, grid_share, derived)
SELECT '11111111-1111-4111-8111-111111111111',
	date_trunc('minute', now()) - (12 + 3 * g) * interval '1 day' - interval '20 hours',
	date_trunc('minute', now()) - (12 + 3 * g) * interval '1 day' - interval '18 hours',
	52.52, 13.405, 12 + g % 5 * 2, 13 + g % 5 * 2, 11.0, 10.6, 50, 72 + g % 5 * 3,
	'ac', 'Wall Connector', 'aaaaaaaa-0000-4000-8000-000000000001',
	round((12 + g % 5 * 2) * 0.21, 2), 'EUR', 'tariff',
	'eeeeeeee-0000-4000-8000-000000000001', 0.3, 0.1, 0.6, true
FROM generate_series(0, 29) g;

-- Curves: a sample a minute. Home: 11 kW, tapering in the last 20 minutes.
INSERT INTO charging_samples (session_id, ts, vehicle_id, charger_power_kw,
	charge_energy_added_kwh, rated_range_km, battery_level, charger_voltage,
	charger_actual_current, charger_phases)
SELECT 'cccccccc-1111-4000-8000-000000000001', s.started_at + g * interval '1 minute',
	'11111111-1111-4111-8111-111111111111',
	CASE WHEN g > 160 THEN 11.0 * (180 - g) / 20.0 ELSE 11.0 END,
	30.4 * g / 180.0, 196 + (416.5 - 196) * g / 180.0,
	round(40 + 45 * g / 180.0), 230, CASE WHEN g > 160 THEN 16 * (180 - g) / 20 ELSE 16 END, 3
FROM charging_sessions s, generate_series(0, 180) g
WHERE s.id = 'cccccccc-1111-4000-8000-000000000001';
-- Supercharger: up to ~148 kW, falling as the battery fills.
INSERT INTO charging_samples (session_id, ts, vehicle_id, charger_power_kw,
	charge_energy_added_kwh, rated_range_km, battery_level, charger_voltage,
	charger_actual_current, charger_phases)
SELECT 'cccccccc-1111-4000-8000-000000000002', s.started_at + g * interval '1 minute',
	'11111111-1111-4111-8111-111111111111',
	round((CASE WHEN g < 3 THEN 50 * g ELSE 148 - (g - 3) * 3.6 END)::numeric, 1),
	48.2 * g / 32.0, 88 + (367.5 - 88) * g / 32.0,
	round(18 + 62 * g / 32.0), 400, NULL, NULL
FROM charging_sessions s, generate_series(0, 32) g
WHERE s.id = 'cccccccc-1111-4000-8000-000000000002';
-- In progress: 7.2 kW for the last hour.
INSERT INTO charging_samples (session_id, ts, vehicle_id, charger_power_kw,
	charge_energy_added_kwh, battery_level, charger_voltage,
	charger_actual_current, charger_phases)
SELECT 'cccccccc-1111-4000-8000-000000000004', s.started_at + g * interval '5 minutes',
	'11111111-1111-4111-8111-111111111111', 7.2, 7.2 * g / 12.0,
	70 + g, 230, 10, 3
FROM charging_sessions s, generate_series(0, 11) g
WHERE s.id = 'cccccccc-1111-4000-8000-000000000004';

-- Daily totals of the site for the last 45 local days (not today).
WITH d AS (
	SELECT ((now() AT TIME ZONE 'Europe/Berlin')::date - g) AS day, g
	FROM generate_series(1, 45) g
)
INSERT INTO energy_daily (site_id, local_date, solar_produced_kwh,
	solar_exported_kwh, battery_charged_kwh, battery_discharged_kwh,
	grid_imported_kwh, grid_exported_kwh, home_consumed_kwh,
	self_consumption_pct, source, completeness, flagged, flag_reason,
	fetched_at, grid_import_cost, grid_export_value, currency)
SELECT 'eeeeeeee-0000-4000-8000-000000000001', day,
	18 + 8 * sin(g), 5 + 2 * sin(g), 6, 5.5,
	7 + 2 * cos(g), 5 + 2 * sin(g), 25 + 3 * cos(g),
	100 * (13 + 6 * sin(g)) / (18 + 8 * sin(g)),
	CASE WHEN g = 6 THEN 'samples' ELSE 'tesla' END,
	CASE WHEN g = 6 THEN 0.6 ELSE 1 END,
	g = 3, CASE WHEN g = 3 THEN 'samples disagree with Tesla: solar 15.17 vs 10.10 kWh' END,
	CASE WHEN g = 6 THEN NULL ELSE now() END,
	round(((7 + 2 * cos(g)) * 0.31)::numeric, 4),
	round(((5 + 2 * sin(g)) * 0.08)::numeric, 4), 'EUR'
FROM d;
-- ==== end of charging & energy ====

-- ==== A second energy site: the household (dashboard.mjs, charging_energy.mjs) ====
-- "Lake house": solar only (no Powerwall), same zone, made after "Home" (so
-- the household keeps Home's calendar). Live samples for two hours (solar
-- 2.1 kW, 0.5 kW used, 1.6 kW exported), Tesla's 5-minute history for the
-- last 30 hours and daily totals for the last 10 local days (not today).
INSERT INTO energy_sites (id, account_id, tesla_site_id, site_name, time_zone,
	battery_count, total_capacity_kwh, nameplate_power_kw, has_solar,
	has_battery, last_seen_at, created_at)
SELECT 'eeeeeeee-0000-4000-8000-000000000002', id, 2252147339995678, 'Lake house',
	'Europe/Berlin', 0, 0, 5.0, true, false, now(), now() + interval '1 second'
FROM accounts WHERE username = 'admin';

INSERT INTO energy_states (site_id, ts, solar_power_w, grid_power_w,
	load_power_w, wall_connector_power_w, grid_status, island_status)
SELECT 'eeeeeeee-0000-4000-8000-000000000002', now() - interval '30 seconds' - g * interval '5 minutes',
	2100, -1600, 500, 0, 'Active', 'on_grid'
FROM generate_series(0, 24) g;

WITH b AS (
	SELECT ts, extract(hour FROM ts AT TIME ZONE 'Europe/Berlin')
	    + extract(minute FROM ts AT TIME ZONE 'Europe/Berlin') / 60.0 AS h
	FROM generate_series(date_trunc('hour', now()) - interval '30 hours',
	    now() - interval '5 minutes', interval '5 minutes') ts
), e AS (
	SELECT ts, greatest(0, sin(pi() * (h - 8) / 8)) * 0.15 AS solar, 0.04 AS home FROM b
)
INSERT INTO energy_history (site_id, period, ts, solar_energy_exported_kwh,
	grid_energy_imported_kwh, grid_energy_exported_from_solar_kwh,
	consumer_energy_imported_from_grid_kwh,
	consumer_energy_imported_from_solar_kwh)
SELECT 'eeeeeeee-0000-4000-8000-000000000002', '5min', ts,
	solar,
	greatest(0, home - solar),
	greatest(0, solar - home),
	greatest(0, home - solar),
	least(solar, home)
FROM e;

WITH d AS (
	SELECT ((now() AT TIME ZONE 'Europe/Berlin')::date - g) AS day, g
	FROM generate_series(1, 10) g
)
INSERT INTO energy_daily (site_id, local_date, solar_produced_kwh,
	solar_exported_kwh, battery_charged_kwh, battery_discharged_kwh,
	grid_imported_kwh, grid_exported_kwh, home_consumed_kwh,
	self_consumption_pct, source, completeness, flagged, fetched_at,
	grid_import_cost, grid_export_value, currency)
SELECT 'eeeeeeee-0000-4000-8000-000000000002', day,
	9 + 3 * cos(g), 6 + 2 * cos(g), 0, 0,
	2.5 + sin(g), 6 + 2 * cos(g), 5.5 + sin(g),
	100 * (3 + cos(g)) / (9 + 3 * cos(g)), 'tesla', 1, false, now(),
	round(((2.5 + sin(g)) * 0.31)::numeric, 4),
	round(((6 + 2 * cos(g)) * 0.08)::numeric, 4), 'EUR'
FROM d;
-- ==== end of the second site ====

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
	has_battery, last_seen_at)
SELECT 'eeeeeeee-0000-4000-8000-000000000001', id, 2252147339991234, 'Home',
	'Europe/Berlin', 2, 27.0, 10.0, true, true, now()
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

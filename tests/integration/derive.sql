-- A day of one car, minute by minute, whose drives and charging sessions
-- are worked out by hand in test_it_derive.c.  Car: 'Derive Test'.
INSERT INTO vehicles (id, account_id, tesla_id, vin, display_name, state)
SELECT '55555555-5555-4555-8555-555555555555', id, 5555555555555555,
	'5YJ3E1EA1KF555555', 'Derive Test', 'online'
FROM accounts WHERE username = 'admin';

-- 07:00-07:09 parked at home.
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, odometer_km,
	battery_level, rated_range_km, speed_kmh, latitude, longitude)
SELECT '55555555-5555-4555-8555-555555555555',
	'2024-03-05 07:00:00+00'::timestamptz + i * interval '1 minute',
	'P', 1000.0, 80, 400.0, NULL, 52.0, 13.0
FROM generate_series(0, 9) i;
-- 07:10-07:39 driving: 0.5 km a minute, 30 km/h, 60 km/h once.
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, odometer_km,
	battery_level, rated_range_km, speed_kmh, latitude, longitude)
SELECT '55555555-5555-4555-8555-555555555555',
	'2024-03-05 07:10:00+00'::timestamptz + i * interval '1 minute',
	'D', 1000.0 + 0.5 * (i + 1), 80 - (i + 1) / 15,
	400.0 - 0.6 * (i + 1), CASE WHEN i = 15 THEN 60 ELSE 30 END,
	52.0 + 0.1 * (i + 1) / 30, 13.0 + 0.1 * (i + 1) / 30
FROM generate_series(0, 29) i;
-- 07:40-07:49 parked at work.
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, odometer_km,
	battery_level, rated_range_km, speed_kmh, latitude, longitude)
SELECT '55555555-5555-4555-8555-555555555555',
	'2024-03-05 07:40:00+00'::timestamptz + i * interval '1 minute',
	'P', 1015.0, 78, 382.0, NULL, 52.1, 13.1
FROM generate_series(0, 9) i;
-- 08:00-08:09 driving, then nothing until 09:00 (lost connectivity),
-- parked where the last sample was (no distance unaccounted for).
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, odometer_km,
	battery_level, rated_range_km, speed_kmh, latitude, longitude)
SELECT '55555555-5555-4555-8555-555555555555',
	'2024-03-05 08:00:00+00'::timestamptz + i * interval '1 minute',
	'D', 1015.0 + 0.5 * (i + 1), 78, 382.0 - 0.6 * (i + 1), 30,
	52.1, 13.1
FROM generate_series(0, 9) i;
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, odometer_km,
	battery_level, rated_range_km, latitude, longitude)
VALUES ('55555555-5555-4555-8555-555555555555', '2024-03-05 09:00:00+00',
	'P', 1020.0, 75, 376.0, 52.2, 13.2);
-- 20:00-20:04 plugged in, waiting; 20:05-21:04 charging at 11 kW;
-- 21:05-21:09 complete.
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, charging_state,
	charge_energy_added_kwh, charger_power_kw, charger_voltage,
	charger_actual_current, charger_phases, battery_level,
	rated_range_km, fast_charger_present, latitude, longitude)
SELECT '55555555-5555-4555-8555-555555555555',
	'2024-03-05 20:00:00+00'::timestamptz + i * interval '1 minute',
	'P', CASE WHEN i < 5 THEN 'Stopped' WHEN i < 65 THEN 'Charging'
	ELSE 'Complete' END,
	CASE WHEN i < 5 THEN 0 WHEN i < 65 THEN 11.0 * (i - 4) / 60
	ELSE 11.0 END,
	CASE WHEN i BETWEEN 5 AND 64 THEN 11 ELSE 0 END, 230, 16, 3,
	40 + least(greatest(i - 4, 0), 60) / 3,
	200.0 + least(greatest(i - 4, 0), 60), false, 52.0, 13.0
FROM generate_series(0, 69) i;
-- 22:00-22:09 charging, 22:10-22:19 stopped, 22:20-22:29 charging again
-- (the counter carries on), 22:30 unplugged.
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, charging_state,
	charge_energy_added_kwh, charger_power_kw, battery_level,
	rated_range_km, fast_charger_present, latitude, longitude)
SELECT '55555555-5555-4555-8555-555555555555',
	'2024-03-05 22:00:00+00'::timestamptz + i * interval '1 minute',
	'P', CASE WHEN i < 10 OR i BETWEEN 20 AND 29 THEN 'Charging'
	WHEN i < 20 THEN 'Stopped' ELSE 'Disconnected' END,
	CASE WHEN i < 10 THEN 0.1 * (i + 1) WHEN i < 20 THEN 1.0
	WHEN i < 30 THEN 1.0 + 0.1 * (i - 19) ELSE 2.0 END,
	CASE WHEN i < 10 OR i BETWEEN 20 AND 29 THEN 6 ELSE 0 END,
	60, 260.0, false, 52.0, 13.0
FROM generate_series(0, 30) i;
-- Next day 12:00-12:19 at a Supercharger, 150 kW; 12:20 complete.
INSERT INTO vehicle_states (vehicle_id, ts, shift_state, charging_state,
	charge_energy_added_kwh, charger_power_kw, battery_level,
	rated_range_km, fast_charger_present, fast_charger_type,
	latitude, longitude)
SELECT '55555555-5555-4555-8555-555555555555',
	'2024-03-06 12:00:00+00'::timestamptz + i * interval '1 minute',
	'P', CASE WHEN i < 20 THEN 'Charging' ELSE 'Complete' END,
	least(2.5 * (i + 1), 50.0), CASE WHEN i < 20 THEN 150 ELSE 0 END,
	20 + i * 3, 100.0 + i * 15, true, 'Supercharger', 51.0, 12.0
FROM generate_series(0, 20) i;
-- What Tesla billed for it.
INSERT INTO charging_sessions (vehicle_id, started_at, ended_at,
	tesla_session_id, cost, currency, cost_source, location_name,
	charge_type, charger_type)
VALUES ('55555555-5555-4555-8555-555555555555', '2024-03-06 11:58:00+00',
	'2024-03-06 12:25:00+00', 'SC-1', 21.50, 'EUR', 'tesla',
	'Somewhere, Supercharger', 'dc', 'Supercharger');
-- Home and work.
INSERT INTO places (account_id, name, latitude, longitude, radius_m)
SELECT id, 'Derive home', 52.0, 13.0, 150 FROM accounts
WHERE username = 'admin';
INSERT INTO places (account_id, name, latitude, longitude, radius_m)
SELECT id, 'Derive work', 52.1, 13.1, 150 FROM accounts
WHERE username = 'admin';

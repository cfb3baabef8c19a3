-- Fixture data for the integration tests: the admin account (made by
-- tessie-admin set-password) owns two vehicles; another account owns a
-- third, which admin must never see.
INSERT INTO accounts (id, username) VALUES
	('00000000-0000-4000-8000-00000000000b', 'other');

INSERT INTO vehicles (id, account_id, tesla_id, vin, display_name, model,
	state, last_seen_at)
SELECT '11111111-1111-4111-8111-111111111111', id, 1492932717794313,
	'5YJ3E1EA7KF000001', 'Red Rocket', 'Model 3', 'online',
	'2026-11-20T10:00:00Z'
FROM accounts WHERE username = 'admin';

INSERT INTO vehicles (id, account_id, tesla_id, vin, display_name, model,
	state)
SELECT '22222222-2222-4222-8222-222222222222', id, 3744836429473100,
	'7SAYGDEE1PA000002', 'Blue Whale', 'Model Y', 'asleep'
FROM accounts WHERE username = 'admin';

INSERT INTO vehicles (id, account_id, tesla_id, vin, display_name, model,
	state)
VALUES ('33333333-3333-4333-8333-333333333333',
	'00000000-0000-4000-8000-00000000000b', 1111111111111111,
	'5YJSA1E2XMF000003', 'Not Yours', 'Model S', 'offline');

INSERT INTO vehicle_states (vehicle_id, ts, odometer_km, battery_level,
	rated_range_km, charging_state, shift_state, speed_kmh,
	inside_temp_c, state)
VALUES
	('11111111-1111-4111-8111-111111111111', '2026-11-20T09:00:00Z',
	 12345.6, 80, 400.5, 'Disconnected', NULL, NULL, 20.0, 'online'),
	('11111111-1111-4111-8111-111111111111', '2026-11-20T10:00:00Z',
	 12400.0, 71, 360.2, 'Disconnected', 'D', 100.0, 21.5, 'online'),
	('33333333-3333-4333-8333-333333333333', '2026-11-20T10:00:00Z',
	 999.0, 50, 200.0, 'Disconnected', NULL, NULL, 18.0, 'offline');

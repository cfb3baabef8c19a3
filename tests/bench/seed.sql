-- Synthetic benchmark data for Tessie Stats (make bench).
--
--   psql -v ON_ERROR_STOP=1 [-v username=admin] [-v days=365] -f tests/bench/seed.sql
--
-- Needs the migrations in sql/ applied.  Creates (or reuses) the account
-- :username (default "admin"; its password is left as it is), then
-- replaces the seed's own rows (VINs 5YJSEED..., site 900000000001):
--   * 3 vehicles with one vehicle_states row per minute for :days days
--     ending today 00:00 UTC (365 days: 3 x 525,600 = 1,576,800 rows);
--     two commutes a day (odometer rising continuously, speed profile
--     integrated exactly), battery draining with driving and recharged at
--     home every few nights (AC, 7.4 or 11 kW), seasonal temperatures;
--   * the drives and charging sessions (+ charge curves) those states imply;
--   * places Home / Work, a flat tariff, one driver with a rule;
--   * one energy site (Europe/Berlin) with 5-minute energy_states and the
--     energy_daily totals integrated from them per local day.
-- Deterministic apart from the start date.  Re-running replaces the data
-- (load it into a fresh database for comparable sizes).

\set QUIET on
\if :{?username}
\else
\set username admin
\endif
\if :{?days}
\else
\set days 365
\endif

INSERT INTO accounts (username, time_zone)
VALUES (:'username', 'Europe/Berlin')
ON CONFLICT (username) DO NOTHING;

SELECT id AS acct FROM accounts WHERE username = :'username' \gset
SELECT date_trunc('day', now(), 'UTC') - make_interval(days => :days) AS t0 \gset

-- Clean slate for the seed's own rows.  When the database holds nothing
-- else, empty the series with TRUNCATE (a DELETE of 1.6 M rows is slow and
-- leaves them dead until VACUUM); the DELETEs then cascade to the rest.
SELECT NOT EXISTS (SELECT 1 FROM vehicles WHERE vin NOT LIKE '5YJSEED%')
    AND NOT EXISTS (SELECT 1 FROM energy_sites
		    WHERE tesla_site_id <> 900000000001) AS seed_only \gset
\if :seed_only
TRUNCATE vehicle_states, drives, charging_samples, charging_sessions,
    energy_states, energy_daily, energy_history;
\endif
DELETE FROM vehicles WHERE vin LIKE '5YJSEED%';
DELETE FROM energy_sites WHERE tesla_site_id = 900000000001;
DELETE FROM driver_rules WHERE account_id = :'acct' AND name = 'seed: weekday commute';

-- Vehicle parameters.  c_pct: battery percent used per day; rate_pct:
-- percent added per minute of charging (92 % AC efficiency); chg_min: minutes
-- of charging to refill n_days of driving; vavg: mean speed of a commute.
CREATE TEMP TABLE seed_params ON COMMIT PRESERVE ROWS AS
SELECT *,
    daily_km * kwh_per_km / cap_kwh * 100 AS c_pct,
    charge_kw * 0.92 / cap_kwh * 100 / 60 AS rate_pct,
    ceil(n_days * (daily_km * kwh_per_km / cap_kwh * 100)
	/ (charge_kw * 0.92 / cap_kwh * 100 / 60))::int AS chg_min,
    (daily_km / 2) / (tmin / 60.0) AS vavg,
    450 + off_min AS ms,
    1050 + off_min AS es,
    (degrees(atan2((work_lon - home_lon) * cos(radians(home_lat)),
	work_lat - home_lat)) + 360)::numeric % 360 AS hout
FROM (VALUES
    (1, '5YJSEED0000000001', 1492932717794313::bigint, 'Blue Thunder', 'Model 3',
     'Long Range AWD', 2021, 'Deep Blue Metallic', 12000.0, 45.0, 0.150, 75.0,
     560.0, 80, 4, 11.0, 3, 16, 230, 0),
    (2, '5YJSEED0000000002', 1492932717794314::bigint, 'Red Rocket', 'Model Y',
     'Performance', 2023, 'Ultra Red', 45000.0, 70.0, 0.170, 82.0,
     514.0, 90, 3, 11.0, 3, 16, 230, 20),
    (3, '5YJSEED0000000003', 1492932717794315::bigint, 'Snow', 'Model 3',
     'Standard Range', 2019, 'Pearl White', 83000.0, 30.0, 0.140, 60.0,
     430.0, 80, 5, 7.4, 1, 32, 230, 40)
) AS v(idx, vin, tesla_id, display_name, model, trim, year, color, base_odo,
       daily_km, kwh_per_km, cap_kwh, full_range_km, top, n_days, charge_kw,
       phases, amps, volts, off_min)
CROSS JOIN (VALUES (52.5200::float8, 13.4050::float8, 52.5450::float8,
		    13.2900::float8, 40)) AS g(home_lat, home_lon, work_lat,
					       work_lon, tmin);

INSERT INTO vehicles (account_id, tesla_id, vin, display_name, model, trim,
    year, color, state, state_changed_at, last_seen_at)
SELECT :'acct', tesla_id, vin, display_name, model, trim, year, color,
    'asleep', :'t0'::timestamptz + make_interval(days => :days),
    :'t0'::timestamptz + make_interval(days => :days)
FROM seed_params;

ALTER TABLE seed_params ADD COLUMN vehicle_id uuid;
UPDATE seed_params p SET vehicle_id = v.id FROM vehicles v WHERE v.vin = p.vin;
ANALYZE seed_params;

-- One vehicle_states row per minute per vehicle, built from two small
-- profiles so that the 1.6 M-row INSERT is only joins and additions:
--   seed_days:    per vehicle and day d: odometer and battery at 00:00,
--                 daily temperature, software version, whether the car
--                 charges that night (every n_days-th night);
--   seed_minutes: per vehicle, night type (charge or not) and minute m of
--                 the (UTC) day: everything that follows the daily routine.
-- xm/xe = position in the morning/evening commute (0..1); pm/pe = share of
-- its distance done: the integral of the speed profile
-- v(x) = vavg * (1 - cos(2 pi x)), i.e. x - sin(2 pi x) / (2 pi), so the
-- odometer rises exactly as the speed says.
SELECT extract(doy FROM :'t0'::timestamptz)::int AS doy0,
    extract(epoch FROM :'t0'::timestamptz)::bigint / 86400 AS day0 \gset

CREATE TEMP TABLE seed_days ON COMMIT PRESERVE ROWS AS
SELECT p.idx, d, d % p.n_days = 0 AS chg,
    :'t0'::timestamptz + make_interval(days => d) AS day_ts,
    p.base_odo + d * p.daily_km AS odo,
    CASE WHEN d % p.n_days = 0 THEN p.top - p.n_days * p.c_pct
	ELSE p.top - (d % p.n_days) * p.c_pct END AS level,
    10 - 10 * cos(2 * pi() * (d + :doy0 - 15) / 365.0) + 3 * sin(d * 7.3) AS temp,
    format('%s.%s.5', 2024 + (d / 42 * 6 + 2) / 52, (d / 42 * 6 + 2) % 52) AS sw
FROM seed_params p, generate_series(0, :days - 1) AS d;

CREATE TEMP TABLE seed_minutes ON COMMIT PRESERVE ROWS AS
SELECT p.idx, c.chg, a.m,
    make_interval(mins => a.m) AS off,
    p.daily_km / 2 * (c.pm + c.pe) AS odo,
    CASE WHEN c.chg THEN least(p.n_days * p.c_pct,
	    p.rate_pct * greatest(0, a.m - 60)) ELSE 0 END
	- p.c_pct / 2 * (c.pm + c.pe) AS level,
    p.home_lat + (p.work_lat - p.home_lat) * (c.pm - c.pe)
	+ 0.006 * (sin(pi() * c.pm) + sin(pi() * c.pe)) AS lat,
    p.home_lon + (p.work_lon - p.home_lon) * (c.pm - c.pe)
	- 0.009 * (sin(pi() * c.pm) + sin(pi() * c.pe)) AS lon,
    CASE WHEN c.chg AND a.m >= 60
	THEN least(p.n_days * p.c_pct, p.rate_pct * (a.m - 60)) / 100 * p.cap_kwh
	ELSE p.n_days * p.c_pct / 100 * p.cap_kwh END AS energy_added,
    CASE WHEN e.charging THEN p.charge_kw ELSE 0 END AS charger_power,
    CASE WHEN e.charging THEN p.rate_pct * 60 / 100 * p.full_range_km
	ELSE 0 END AS charge_rate,
    CASE WHEN e.charging
	THEN (p.n_days * p.c_pct - p.rate_pct * (a.m - 60)) / p.rate_pct / 60
	ELSE 0 END AS ttf,
    e.speed,
    CASE WHEN e.drv THEN p.kwh_per_km * e.speed + 0.4
	 WHEN e.charging THEN -p.charge_kw * 0.92 ELSE 0 END AS power,
    35 + 15 * (c.pm - c.pe) + 5 * sin(pi() * c.pm) AS elevation,
    4 * sin(2 * pi() * (a.m - 540) / 1440) AS temp,
    CASE WHEN e.plugged THEN p.volts ELSE 0 END AS volts,
    CASE WHEN e.charging THEN p.amps ELSE 0 END AS amps,
    CASE WHEN e.plugged THEN p.phases END AS phases,
    round(CASE WHEN c.dm OR (a.m >= p.ms + p.tmin AND a.m < p.es) THEN p.hout
	       ELSE (p.hout + 180) % 360 END) AS heading,
    e.drv,
    p.idx <> 3 AND a.m >= p.ms + p.tmin AND a.m < p.es AS sentry,
    CASE WHEN e.online THEN 'online' ELSE 'asleep' END AS state,
    CASE WHEN e.drv THEN 'D' WHEN e.online THEN 'P' END AS shift,
    CASE WHEN e.charging THEN 'Charging' WHEN e.plugged THEN 'Complete'
	ELSE 'Disconnected' END AS charging_state,
    CASE WHEN e.plugged THEN 'ACSingleWireCAN' END AS fast_charger_type,
    CASE WHEN e.plugged THEN 'IEC' END AS cable
FROM seed_params p
CROSS JOIN (VALUES (false), (true)) AS k(chg)
CROSS JOIN generate_series(0, 1439) AS a(m)
CROSS JOIN LATERAL (SELECT (a.m - p.ms) / p.tmin::float8 AS xm,
			   (a.m - p.es) / p.tmin::float8 AS xe) b
CROSS JOIN LATERAL (SELECT k.chg,
	b.xm >= 0 AND b.xm < 1 AS dm,
	b.xe >= 0 AND b.xe < 1 AS de,
	CASE WHEN b.xm < 0 THEN 0 WHEN b.xm >= 1 THEN 1
	    ELSE b.xm - sin(2 * pi() * b.xm) / (2 * pi()) END AS pm,
	CASE WHEN b.xe < 0 THEN 0 WHEN b.xe >= 1 THEN 1
	    ELSE b.xe - sin(2 * pi() * b.xe) / (2 * pi()) END AS pe) c
CROSS JOIN LATERAL (SELECT
	c.dm OR c.de AS drv,
	c.chg AND a.m >= 60 AND a.m < 60 + p.chg_min AS charging,
	c.chg AND a.m >= 60 AND a.m < p.ms AS plugged,
	CASE WHEN c.dm THEN p.vavg * (1 - cos(2 * pi() * b.xm))
	     WHEN c.de THEN p.vavg * (1 - cos(2 * pi() * b.xe)) END AS speed,
	c.dm OR c.de OR (c.chg AND a.m >= 60 AND a.m < 70 + p.chg_min)
	    OR (a.m >= p.ms + p.tmin AND a.m < p.ms + p.tmin + 15)
	    OR (a.m >= p.es + p.tmin AND a.m < p.es + p.tmin + 15) AS online) e;
ALTER TABLE seed_minutes ADD PRIMARY KEY (idx, chg, m);
ANALYZE seed_days, seed_minutes;

-- Vehicles in key order, days in order, each day's minutes in order
-- (OFFSET 0 keeps the ordered scans): the primary key fills left to right
-- and comes out packed, the same size on every run.
INSERT INTO vehicle_states (vehicle_id, ts, odometer_km, latitude, longitude,
    rated_range_km, ideal_range_km, est_range_km, charge_energy_added_kwh,
    charger_power_kw, charge_rate_kmh, time_to_full_charge_h, speed_kmh,
    power_kw, elevation_m, inside_temp_c, outside_temp_c, battery_level,
    usable_battery_level, charge_limit_soc, charger_voltage,
    charger_actual_current, charger_phases, heading, is_climate_on, locked,
    sentry_mode, fast_charger_present, state, shift_state, charging_state,
    fast_charger_type, conn_charge_cable, software_version)
SELECT p.vehicle_id, dd.day_ts + mm.off, dd.odo + mm.odo, mm.lat, mm.lon,
    (dd.level + mm.level) / 100 * p.full_range_km,
    (dd.level + mm.level) / 100 * p.full_range_km * 1.05,
    (dd.level + mm.level) / 100 * p.full_range_km * 0.90,
    mm.energy_added, mm.charger_power, mm.charge_rate, mm.ttf, mm.speed,
    mm.power, mm.elevation,
    CASE WHEN mm.drv THEN 21 ELSE dd.temp + mm.temp + 3 END,
    dd.temp + mm.temp,
    round(dd.level + mm.level),
    greatest(round(dd.level + mm.level) - 1, 0),
    p.top, mm.volts, mm.amps, mm.phases, mm.heading, mm.drv, NOT mm.drv,
    mm.sentry, false, mm.state, mm.shift, mm.charging_state,
    mm.fast_charger_type, mm.cable, dd.sw
FROM (SELECT * FROM seed_params ORDER BY vehicle_id OFFSET 0) p
JOIN LATERAL (SELECT * FROM seed_days x WHERE x.idx = p.idx
    ORDER BY x.d OFFSET 0) dd ON true
CROSS JOIN LATERAL (SELECT * FROM seed_minutes y
    WHERE y.idx = dd.idx AND y.chg = dd.chg ORDER BY y.m OFFSET 0) mm;

-- Statistics now, or the joins below plan against an "empty" table.
ANALYZE vehicle_states;

-- Places, tariff, driver.
INSERT INTO tariffs (account_id, name, currency, kind, content, source)
VALUES (:'acct', 'seed: home flat', 'EUR', 'flat', '{"energy_charge": 0.30}', 'manual')
ON CONFLICT (account_id, name) DO UPDATE SET content = EXCLUDED.content;
SELECT id AS tariff FROM tariffs WHERE account_id = :'acct' AND name = 'seed: home flat' \gset

INSERT INTO energy_sites (account_id, tesla_site_id, site_name, time_zone,
    battery_count, total_capacity_kwh, nameplate_power_kw, has_solar,
    has_battery, tariff_id, last_seen_at)
VALUES (:'acct', 900000000001, 'Seed Home', 'Europe/Berlin', 1, 13.5, 5,
    true, true, :'tariff', now())
RETURNING id AS site \gset

INSERT INTO places (account_id, name, latitude, longitude, radius_m, tariff_id, energy_site_id)
SELECT :'acct', 'Home', home_lat, home_lon, 150, :'tariff', :'site'
FROM seed_params WHERE idx = 1
ON CONFLICT (account_id, name) DO UPDATE SET latitude = EXCLUDED.latitude,
    longitude = EXCLUDED.longitude, tariff_id = EXCLUDED.tariff_id,
    energy_site_id = EXCLUDED.energy_site_id;
INSERT INTO places (account_id, name, latitude, longitude, radius_m)
SELECT :'acct', 'Work', work_lat, work_lon, 300 FROM seed_params WHERE idx = 1
ON CONFLICT (account_id, name) DO UPDATE SET latitude = EXCLUDED.latitude,
    longitude = EXCLUDED.longitude;
SELECT id AS home FROM places WHERE account_id = :'acct' AND name = 'Home' \gset
SELECT id AS work FROM places WHERE account_id = :'acct' AND name = 'Work' \gset

INSERT INTO drivers (account_id, name) VALUES (:'acct', 'Alex')
ON CONFLICT (account_id, name) DO UPDATE SET name = EXCLUDED.name
RETURNING id AS driver \gset
INSERT INTO driver_rules (account_id, driver_id, name, vehicle_id, weekdays,
    start_time, end_time, priority)
SELECT :'acct', :'driver', 'seed: weekday commute', vehicle_id, '{1,2,3,4,5}',
    '06:00', '20:00', 10
FROM seed_params WHERE idx = 1
RETURNING id AS rule \gset

-- Drives: each commute, read back from the states it produced.
INSERT INTO drives (vehicle_id, started_at, ended_at, start_odometer_km,
    end_odometer_km, distance_km, start_battery_level, end_battery_level,
    start_rated_range_km, end_rated_range_km, energy_used_kwh, max_speed_kmh,
    avg_speed_kmh, start_latitude, start_longitude, end_latitude,
    end_longitude, start_place_id, end_place_id, driver_id, driver_rule_id,
    attribution)
SELECT p.vehicle_id, s.ts, e.ts, s.odometer_km, e.odometer_km,
    e.odometer_km - s.odometer_km, s.battery_level, e.battery_level,
    s.rated_range_km, e.rated_range_km,
    (s.rated_range_km - e.rated_range_km) / p.full_range_km * p.cap_kwh,
    x.vmax, (e.odometer_km - s.odometer_km) / (p.tmin / 60.0),
    s.latitude, s.longitude, e.latitude, e.longitude,
    CASE leg WHEN 1 THEN :'home'::uuid ELSE :'work'::uuid END,
    CASE leg WHEN 1 THEN :'work'::uuid ELSE :'home'::uuid END,
    CASE WHEN p.idx = 1 AND extract(isodow FROM s.ts AT TIME ZONE 'Europe/Berlin') <= 5
	THEN :'driver'::uuid END,
    CASE WHEN p.idx = 1 AND extract(isodow FROM s.ts AT TIME ZONE 'Europe/Berlin') <= 5
	THEN :'rule'::uuid END,
    CASE WHEN p.idx = 1 AND extract(isodow FROM s.ts AT TIME ZONE 'Europe/Berlin') <= 5
	THEN 'rule' END
FROM seed_params p
CROSS JOIN generate_series(0, :days - 1) AS d
CROSS JOIN (VALUES (1), (2)) AS l(leg)
JOIN vehicle_states s ON s.vehicle_id = p.vehicle_id
    AND s.ts = :'t0'::timestamptz + make_interval(days => d,
	mins => CASE leg WHEN 1 THEN p.ms ELSE p.es END)
JOIN vehicle_states e ON e.vehicle_id = p.vehicle_id
    AND e.ts = s.ts + make_interval(mins => p.tmin)
CROSS JOIN LATERAL (SELECT max(speed_kmh) AS vmax FROM vehicle_states w
    WHERE w.vehicle_id = p.vehicle_id AND w.ts >= s.ts AND w.ts < e.ts) x;

-- Charging sessions at home every n_days nights, and their curves.
INSERT INTO charging_sessions (vehicle_id, started_at, ended_at, latitude,
    longitude, energy_added_kwh, energy_used_kwh, max_power_kw, avg_power_kw,
    start_rated_range_km, end_rated_range_km, solar_share, solar_energy_kwh,
    start_battery_level, end_battery_level, charge_type, charger_type,
    place_id, cost, currency, cost_source, tariff_id)
SELECT p.vehicle_id, s.ts, e.ts, s.latitude, s.longitude,
    e.charge_energy_added_kwh, e.charge_energy_added_kwh / 0.92,
    p.charge_kw, p.charge_kw, s.rated_range_km, e.rated_range_km, 0, 0,
    s.battery_level, e.battery_level, 'ac', 'ACSingleWireCAN', :'home',
    round((e.charge_energy_added_kwh / 0.92 * 0.30)::numeric, 2), 'EUR',
    'tariff', :'tariff'
FROM seed_params p
CROSS JOIN generate_series(0, :days - 1) AS d
JOIN vehicle_states s ON s.vehicle_id = p.vehicle_id
    AND s.ts = :'t0'::timestamptz + make_interval(days => d, mins => 60)
JOIN vehicle_states e ON e.vehicle_id = p.vehicle_id
    AND e.ts = s.ts + make_interval(mins => p.chg_min)
WHERE d % p.n_days = 0;

INSERT INTO charging_samples (session_id, ts, vehicle_id, charger_power_kw,
    charge_energy_added_kwh, rated_range_km, outside_temp_c, battery_level,
    usable_battery_level, charger_voltage, charger_actual_current,
    charger_phases)
SELECT cs.id, s.ts, s.vehicle_id, s.charger_power_kw,
    s.charge_energy_added_kwh, s.rated_range_km, s.outside_temp_c,
    s.battery_level, s.usable_battery_level, s.charger_voltage,
    s.charger_actual_current, s.charger_phases
FROM charging_sessions cs
CROSS JOIN LATERAL (SELECT * FROM vehicle_states w
    WHERE w.vehicle_id = cs.vehicle_id
      AND w.ts >= cs.started_at AND w.ts < cs.ended_at
    OFFSET 0) s
WHERE cs.vehicle_id IN (SELECT vehicle_id FROM seed_params);

-- Energy site: one sample every 5 minutes (k = sample number).  Solar is
-- a seasonal bell around 11:12 UTC (solar noon in Berlin) scaled by a
-- per-day cloud factor; the house draws a base load with morning and
-- evening peaks plus vehicle 1 charging on its Wall Connector.
CREATE TEMP TABLE seed_energy ON COMMIT PRESERVE ROWS AS
SELECT k, ts, wc,
    CASE WHEN abs(h - 11.2) < hl
	THEN pk * cloud * power(cos(pi() / 2 * (h - 11.2) / hl), 1.5)
	ELSE 0 END AS solar,
    350 + 600 * exp(-power((h - 6.5) / 1.0, 2))
	+ 1400 * exp(-power((h - 18) / 1.5, 2)) + wc AS load
FROM (
    SELECT k, :'t0'::timestamptz + k * interval '5 minutes' AS ts,
	(k % 288) / 12.0::float8 AS h,
	6.1 - 2.3 * cos(2 * pi() * (k / 288 + :doy0 + 10) / 365.0) AS hl,
	1000 * (2.0 + 2.25 * (1 - cos(2 * pi() * (k / 288 + :doy0 + 10) / 365.0))) AS pk,
	0.35 + 0.65 * abs(sin((k / 288 + :day0) * 12.9898)) AS cloud,
	CASE WHEN (k / 288) % p.n_days = 0
	      AND (k % 288) * 5 BETWEEN 60 AND 59 + p.chg_min
	    THEN p.charge_kw * 1000 ELSE 0 END AS wc
    FROM seed_params p, generate_series(0, :days * 288 - 1) AS k
    WHERE p.idx = 1
    OFFSET 0
) g;
ALTER TABLE seed_energy ADD PRIMARY KEY (k);

-- The Powerwall (13.5 kWh, 5 kW, 20 % reserve, 95 % charge efficiency)
-- simulated sample by sample: it stores solar surplus while not full and
-- covers deficits while above the reserve; the grid takes the rest.
-- Tesla's signs: battery > 0 discharging, grid > 0 importing, so
-- load = solar + battery + grid.
INSERT INTO energy_states (site_id, ts, solar_power_w, battery_power_w,
    grid_power_w, load_power_w, generator_power_w, grid_services_power_w,
    wall_connector_power_w, battery_percent, energy_left_kwh,
    total_pack_energy_kwh, storm_mode_active, grid_status, island_status)
WITH RECURSIVE sim (k, left_wh, bat) AS (
    SELECT -1, 6750::float8, 0::float8
    UNION ALL
    SELECT e.k,
	sim.left_wh - CASE WHEN x.bat < 0 THEN 0.95 * x.bat ELSE x.bat END / 12,
	x.bat
    FROM sim
    JOIN seed_energy e ON e.k = sim.k + 1
    CROSS JOIN LATERAL (SELECT CASE WHEN e.solar >= e.load
	THEN 0 - least(e.solar - e.load, 5000, (13500 - sim.left_wh) * 12 / 0.95)
	ELSE least(e.load - e.solar, 5000, greatest(0, sim.left_wh - 2700) * 12)
	END AS bat) x
)
SELECT :'site', e.ts, e.solar, sim.bat, e.load - e.solar - sim.bat, e.load,
    0, 0, e.wc, 100 * sim.left_wh / 13500, sim.left_wh / 1000, 13.5, false,
    'Active', 'on_grid'
FROM sim JOIN seed_energy e USING (k)
ORDER BY k;

-- Daily totals per local (Europe/Berlin) day, integrated from the samples
-- (each sample stands for 5 minutes); completeness against the real length
-- of the local day (23 or 25 hours on DST days).
INSERT INTO energy_daily (site_id, local_date, solar_produced_kwh,
    solar_exported_kwh, battery_charged_kwh, battery_discharged_kwh,
    grid_imported_kwh, grid_exported_kwh, home_consumed_kwh,
    self_consumption_pct, source, samples_solar_produced_kwh,
    samples_battery_charged_kwh, samples_battery_discharged_kwh,
    samples_grid_imported_kwh, samples_grid_exported_kwh,
    samples_home_consumed_kwh, completeness, flagged, flag_reason)
SELECT :'site', day, sp, least(ge, sp), bc, bd, gi, ge, hc,
    CASE WHEN sp > 0 THEN 100 * (sp - least(ge, sp)) / sp END,
    'samples', sp, bc, bd, gi, ge, hc, least(1, cnt / expected),
    cnt / expected < 0.95,
    CASE WHEN cnt / expected < 0.95 THEN 'incomplete samples' END
FROM (
    SELECT day, sum(sp) AS sp, sum(bc) AS bc, sum(bd) AS bd, sum(gi) AS gi,
	sum(ge) AS ge, sum(hc) AS hc, count(*)::float8 AS cnt,
	extract(epoch FROM ((day + 1)::timestamp AT TIME ZONE tz)
	    - (day::timestamp AT TIME ZONE tz)) / 300 AS expected
    FROM (
	SELECT (e.ts AT TIME ZONE s.time_zone)::date AS day, s.time_zone AS tz,
	    greatest(solar_power_w, 0)::float8 / 12000 AS sp,
	    greatest(-battery_power_w, 0)::float8 / 12000 AS bc,
	    greatest(battery_power_w, 0)::float8 / 12000 AS bd,
	    greatest(grid_power_w, 0)::float8 / 12000 AS gi,
	    greatest(-grid_power_w, 0)::float8 / 12000 AS ge,
	    load_power_w::float8 / 12000 AS hc
	FROM energy_states e JOIN energy_sites s ON s.id = e.site_id
	WHERE e.site_id = :'site'
    ) x
    GROUP BY day, tz
) t;

DROP TABLE seed_params, seed_days, seed_minutes, seed_energy;

ANALYZE accounts, vehicles, vehicle_states, drives, charging_sessions,
    charging_samples, places, tariffs, drivers, driver_rules, energy_sites,
    energy_states, energy_daily;

\set QUIET off
SELECT 'vehicle_states' AS "table", count(*) AS rows,
    pg_size_pretty(pg_total_relation_size('vehicle_states')) AS total_size
FROM vehicle_states
UNION ALL SELECT 'drives', count(*), pg_size_pretty(pg_total_relation_size('drives')) FROM drives
UNION ALL SELECT 'charging_sessions', count(*), pg_size_pretty(pg_total_relation_size('charging_sessions')) FROM charging_sessions
UNION ALL SELECT 'charging_samples', count(*), pg_size_pretty(pg_total_relation_size('charging_samples')) FROM charging_samples
UNION ALL SELECT 'energy_states', count(*), pg_size_pretty(pg_total_relation_size('energy_states')) FROM energy_states
UNION ALL SELECT 'energy_daily', count(*), pg_size_pretty(pg_total_relation_size('energy_daily')) FROM energy_daily;

-- 017: solar share and the real cost of home charging, and the money of
-- each day at an energy site (docs/solar-share-and-costs.md).
--
-- * Tesla's own tariff (site_info.tariff_content_v2, stored verbatim in
--   tariffs by lib/sites.c) is checked on every write: a malformed one is
--   kept, flagged (valid = false, problem) and never priced.
-- * tessie_tesla_prices(content, at, tz): buy and sell price per kWh at an
--   instant, in the site's zone.
-- * charging_sessions gain the energy site they happened at and the split
--   of the car's energy into solar, Powerwall and grid.
-- * tessie_cost_sessions(account, since) (sql/013) is replaced: it now
--   prices a session at an energy site with the site's Tesla tariff and
--   falls back to the place's manual tariff as before.
-- * tessie_energy_daily_money(site, from, to) prices the grid import and
--   export of energy_daily rows from Tesla's 5-minute buckets.

-- ---- schema -------------------------------------------------------------

ALTER TABLE tariffs ADD COLUMN valid boolean NOT NULL DEFAULT true,
    ADD COLUMN problem text CHECK (length(problem) <= 200),
    ADD CONSTRAINT tariffs_problem_when_invalid
    CHECK (valid = (problem IS NULL));
COMMENT ON COLUMN tariffs.valid IS
    'false when Tesla''s tariff_content_v2 could not be understood: it is '
    'kept as Tesla sent it, and nothing is priced with it.';
COMMENT ON COLUMN tariffs.problem IS
    'Why valid is false, e.g. "season \"Summer\": \"fromMonth\" is not '
    'an integer 1..12".';

ALTER TABLE charging_sessions
    ADD COLUMN site_id uuid REFERENCES energy_sites (id) ON DELETE SET NULL,
    ADD COLUMN solar_kwh real CHECK (solar_kwh BETWEEN 0 AND 2000),
    ADD COLUMN battery_kwh real CHECK (battery_kwh BETWEEN 0 AND 2000),
    ADD COLUMN grid_kwh real CHECK (grid_kwh BETWEEN 0 AND 2000),
    ADD COLUMN battery_share real CHECK (battery_share BETWEEN 0 AND 1),
    ADD COLUMN grid_share real CHECK (grid_share BETWEEN 0 AND 1),
    ADD COLUMN site_coverage real CHECK (site_coverage BETWEEN 0 AND 1),
    ADD COLUMN costed_at timestamptz;
COMMENT ON COLUMN charging_sessions.site_id IS
    'Energy site whose home the session happened at: the site linked to '
    'the session''s place, else the site whose Wall Connector power showed '
    'this AC charge (docs/solar-share-and-costs.md).';
COMMENT ON COLUMN charging_sessions.solar_kwh IS
    'Part of the car''s energy covered by solar the rest of the house did '
    'not use, kWh; NULL without enough site samples.';
COMMENT ON COLUMN charging_sessions.battery_kwh IS
    'Part covered by the Powerwall discharging, kWh.';
COMMENT ON COLUMN charging_sessions.grid_kwh IS
    'Part drawn from the grid, kWh.';
COMMENT ON COLUMN charging_sessions.solar_share IS
    'solar_kwh / (solar + battery + grid kWh), 0..1; NULL when not at a '
    'site or without enough site samples (never guessed).';
COMMENT ON COLUMN charging_sessions.site_coverage IS
    'Fraction of the car''s energy drawn while a site sample (at most 15 '
    'minutes old) was known; shares need 0.8.';
COMMENT ON COLUMN charging_sessions.costed_at IS
    'When shares and cost were last computed (tessie_cost_sessions).';
CREATE INDEX charging_sessions_site ON charging_sessions (site_id, started_at)
    WHERE site_id IS NOT NULL;

ALTER TABLE energy_daily ADD COLUMN grid_import_cost numeric(12,4),
    ADD COLUMN grid_export_value numeric(12,4),
    ADD COLUMN currency char(3) CHECK (currency ~ '^[A-Z]{3}$');
COMMENT ON COLUMN energy_daily.grid_import_cost IS
    'Grid import of the day priced at the site''s Tesla tariff, each '
    '5-minute bucket at its buy price; NULL without a usable tariff, '
    'buckets or a price for every importing bucket.';
COMMENT ON COLUMN energy_daily.grid_export_value IS
    'Grid export of the day (solar, battery, generator) at the sell price.';
COMMENT ON COLUMN energy_daily.currency IS 'ISO 4217 code of the two above.';

-- ---- Tesla's tariff_content_v2 -------------------------------------------

-- A JSON number as double precision, else NULL (never a cast error).
CREATE FUNCTION tessie_jnum(j jsonb)
RETURNS double precision
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN jsonb_typeof(j) = 'number'
	    THEN (j #>> '{}')::double precision END
$$;

-- A JSON integer in [lo, hi], else NULL.
CREATE FUNCTION tessie_jint(j jsonb, lo integer, hi integer)
RETURNS integer
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN jsonb_typeof(j) = 'number'
	    AND (j #>> '{}')::numeric = trunc((j #>> '{}')::numeric)
	    AND (j #>> '{}')::numeric BETWEEN lo AND hi
	    THEN (j #>> '{}')::numeric::integer END
$$;

-- Why a tariff_content_v2 cannot be used, or NULL when it can.  Checks
-- types and ranges only, so that pricing never meets a cast error.
CREATE FUNCTION tessie_tesla_tariff_problem(c jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	side text;
	t jsonb;
	pre text;
	s record;
	p record;
	r record;
	k text;
	lim integer[];
	ranges jsonb;
	prices integer := 0;
BEGIN
	IF c IS NULL OR jsonb_typeof(c) <> 'object' THEN
		RETURN 'tariff is not an object';
	END IF;
	FOREACH side IN ARRAY ARRAY['buy', 'sell'] LOOP
		t := CASE side WHEN 'buy' THEN c ELSE c->'sell_tariff' END;
		pre := CASE side WHEN 'buy' THEN '' ELSE 'sell_tariff: ' END;
		IF side = 'sell' AND coalesce(jsonb_typeof(t), 'null') = 'null'
		THEN
			CONTINUE;
		END IF;
		IF jsonb_typeof(t) <> 'object' THEN
			RETURN '"sell_tariff" is not an object';
		END IF;
		IF jsonb_typeof(t->'energy_charges') IS DISTINCT FROM 'object'
		THEN
			RETURN pre || '"energy_charges" is missing or not an '
			    'object';
		END IF;
		FOR s IN SELECT * FROM jsonb_each(t->'energy_charges') LOOP
			IF jsonb_typeof(s.value) <> 'object' OR
			    coalesce(jsonb_typeof(s.value->'rates'), 'object')
			    <> 'object' THEN
				RETURN left(format('%senergy_charges "%s": '
				    '"rates" is not an object', pre, s.key),
				    200);
			END IF;
			FOR r IN SELECT * FROM jsonb_each(
			    coalesce(s.value->'rates', '{}')) LOOP
				IF jsonb_typeof(r.value) <> 'number' THEN
					RETURN left(format('%srate "%s/%s" is '
					    'not a number', pre, s.key, r.key),
					    200);
				END IF;
				prices := prices + 1;
			END LOOP;
		END LOOP;
		IF t ? 'seasons' AND jsonb_typeof(t->'seasons') <> 'object'
		THEN
			RETURN pre || '"seasons" is not an object';
		END IF;
		FOR s IN SELECT * FROM jsonb_each(
		    CASE WHEN t ? 'seasons' THEN t->'seasons' ELSE '{}' END)
		LOOP
			IF jsonb_typeof(s.value) <> 'object' THEN
				RETURN left(format('%sseason "%s" is not an '
				    'object', pre, s.key), 200);
			END IF;
			FOREACH k IN ARRAY ARRAY['fromMonth', 'toMonth',
			    'fromDay', 'toDay'] LOOP
				lim := CASE WHEN k LIKE '%Month'
				    THEN ARRAY[1, 12] ELSE ARRAY[1, 31] END;
				IF s.value ? k AND tessie_jint(s.value->k,
				    lim[1], lim[2]) IS NULL THEN
					RETURN left(format('%sseason "%s": '
					    '"%s" is not an integer %s..%s',
					    pre, s.key, k, lim[1], lim[2]),
					    200);
				END IF;
			END LOOP;
			IF coalesce(jsonb_typeof(s.value->'tou_periods'),
			    'object') <> 'object' THEN
				RETURN left(format('%sseason "%s": '
				    '"tou_periods" is not an object', pre,
				    s.key), 200);
			END IF;
			FOR p IN SELECT * FROM jsonb_each(
			    coalesce(s.value->'tou_periods', '{}')) LOOP
				ranges := CASE jsonb_typeof(p.value)
				    WHEN 'array' THEN p.value
				    WHEN 'object' THEN p.value->'periods' END;
				IF jsonb_typeof(ranges)
				    IS DISTINCT FROM 'array' THEN
					RETURN left(format('%speriod "%s/%s" '
					    'has no list of periods', pre,
					    s.key, p.key), 200);
				END IF;
				FOR r IN SELECT value
				    FROM jsonb_array_elements(ranges) LOOP
					IF jsonb_typeof(r.value) <> 'object'
					THEN
						RETURN left(format('%speriod '
						    '"%s/%s" is not a list of '
						    'objects', pre, s.key,
						    p.key), 200);
					END IF;
					FOREACH k IN ARRAY ARRAY[
					    'fromDayOfWeek', 'toDayOfWeek',
					    'fromHour', 'toHour', 'fromMinute',
					    'toMinute'] LOOP
						lim := CASE
						    WHEN k LIKE '%DayOfWeek'
							THEN ARRAY[0, 6]
						    WHEN k LIKE '%Hour'
							THEN ARRAY[0, 24]
						    ELSE ARRAY[0, 59] END;
						IF r.value ? k AND tessie_jint(
						    r.value->k, lim[1], lim[2])
						    IS NULL THEN
							RETURN left(format(
							    '%speriod "%s/%s": '
							    '"%s" is not an '
							    'integer %s..%s',
							    pre, s.key, p.key,
							    k, lim[1], lim[2]),
							    200);
						END IF;
					END LOOP;
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
	IF prices = 0 THEN
		RETURN 'no energy prices';
	END IF;
	RETURN NULL;
END;
$$;

-- The tariff as a list of rules, one per time range of a period of a
-- season, first match wins (ord): months-days [from_md, to_md] inclusive
-- (month * 100 + day; from > to wraps the year end), ISO weekdays - 1
-- [from_dow, to_dow] (0 = Monday, Tesla's; may wrap), minutes of the day
-- [from_min, to_min) (to 0 = midnight at the end; from > to wraps
-- midnight; from = to is the whole day), and the price per kWh: the
-- period's rate (else the season's "ALL" rate) plus the tariff-wide
-- energy_charges.ALL.rates.ALL.  A tariff without seasons is flat at that
-- base rate.  sell: the sell_tariff (its seasons, else the buy side's); a
-- tariff with no sell_tariff pays 0 for exports.  Call only on a tariff
-- whose tessie_tesla_tariff_problem() is NULL.
CREATE FUNCTION tessie_tesla_rules(c jsonb, sell boolean)
RETURNS TABLE (ord bigint, from_md integer, to_md integer,
    from_dow integer, to_dow integer, from_min integer, to_min integer,
    rate double precision)
LANGUAGE sql IMMUTABLE
AS $$
	WITH t AS (
		SELECT x.t, coalesce(x.t->'seasons', c->'seasons') AS seasons,
		    tessie_jnum(x.t #> '{energy_charges,ALL,rates,ALL}')
			AS base
		FROM (SELECT CASE WHEN sell THEN c->'sell_tariff' ELSE c END
		    AS t) x
		WHERE jsonb_typeof(x.t) = 'object'
	), s AS (
		SELECT t.*, se.key AS sname, se.value AS sv, se.ord AS sord
		FROM t, jsonb_each(CASE WHEN jsonb_typeof(t.seasons) = 'object'
		    THEN t.seasons ELSE '{}' END) WITH ORDINALITY
		    se(key, value, ord)
	), p AS (
		SELECT s.*, pe.ord AS pord,
		    coalesce(tessie_jnum(s.t->'energy_charges'->s.sname
			->'rates'->pe.key), tessie_jnum(s.t->'energy_charges'
			->s.sname->'rates'->'ALL')) + coalesce(s.base, 0)
			AS rate,
		    CASE jsonb_typeof(pe.value) WHEN 'array' THEN pe.value
			WHEN 'object' THEN pe.value->'periods' END AS ranges
		FROM s, jsonb_each(CASE WHEN jsonb_typeof(s.sv->'tou_periods')
		    = 'object' THEN s.sv->'tou_periods' ELSE '{}' END)
		    WITH ORDINALITY pe(key, value, ord)
	)
	SELECT row_number() OVER (ORDER BY p.sord, p.pord, r.ord),
	    coalesce(tessie_jint(p.sv->'fromMonth', 1, 12), 1) * 100 +
		coalesce(tessie_jint(p.sv->'fromDay', 1, 31), 1),
	    coalesce(tessie_jint(p.sv->'toMonth', 1, 12), 12) * 100 +
		coalesce(tessie_jint(p.sv->'toDay', 1, 31), 31),
	    coalesce(tessie_jint(r.value->'fromDayOfWeek', 0, 6), 0),
	    coalesce(tessie_jint(r.value->'toDayOfWeek', 0, 6), 6),
	    coalesce(tessie_jint(r.value->'fromHour', 0, 24), 0) * 60 +
		coalesce(tessie_jint(r.value->'fromMinute', 0, 59), 0),
	    coalesce(tessie_jint(r.value->'toHour', 0, 24), 0) * 60 +
		coalesce(tessie_jint(r.value->'toMinute', 0, 59), 0),
	    p.rate
	FROM p, jsonb_array_elements(CASE WHEN jsonb_typeof(p.ranges) =
	    'array' THEN p.ranges ELSE '[]' END) WITH ORDINALITY r(value, ord)
	WHERE p.rate IS NOT NULL AND jsonb_typeof(r.value) = 'object'
	UNION ALL
	-- flat: no seasons, the base rate all the time
	SELECT 0, 101, 1231, 0, 6, 0, 0, t.base FROM t
	WHERE t.base IS NOT NULL AND NOT EXISTS (SELECT 1 FROM s)
	UNION ALL
	-- no sell_tariff: exports are paid nothing
	SELECT 0, 101, 1231, 0, 6, 0, 0, 0
	WHERE sell AND coalesce(jsonb_typeof(c->'sell_tariff'), 'null') =
	    'null'
$$;

-- Whether a rule of tessie_tesla_rules() holds at a local instant.
CREATE FUNCTION tessie_tesla_rule_holds(from_md integer, to_md integer,
    from_dow integer, to_dow integer, from_min integer, to_min integer,
    local timestamp)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
	SELECT CASE WHEN from_md <= to_md THEN x.md BETWEEN from_md AND to_md
		ELSE x.md >= from_md OR x.md <= to_md END
	    AND CASE WHEN from_dow <= to_dow
		THEN x.dow BETWEEN from_dow AND to_dow
		ELSE x.dow >= from_dow OR x.dow <= to_dow END
	    AND CASE WHEN from_min = x.tm THEN true
		WHEN from_min < x.tm THEN x.m >= from_min AND x.m < x.tm
		ELSE x.m >= from_min OR x.m < x.tm END
	FROM (SELECT extract(month FROM local)::int * 100 +
		extract(day FROM local)::int AS md,
	    extract(isodow FROM local)::int - 1 AS dow,
	    extract(hour FROM local)::int * 60 +
		extract(minute FROM local)::int AS m,
	    CASE WHEN to_min = 0 OR to_min > 1440 THEN 1440 ELSE to_min END
		AS tm) x
$$;

-- The buy or sell price per kWh of a valid tariff at a local instant,
-- NULL when no rule holds.
CREATE FUNCTION tessie_tesla_price(c jsonb, local timestamp, sell boolean)
RETURNS double precision
LANGUAGE sql IMMUTABLE
AS $$
	SELECT r.rate FROM tessie_tesla_rules(c, sell) r
	WHERE tessie_tesla_rule_holds(r.from_md, r.to_md, r.from_dow,
	    r.to_dow, r.from_min, r.to_min, local)
	ORDER BY r.ord LIMIT 1
$$;

-- Buy and sell price per kWh of tariff_content_v2 c at instant `at` in the
-- site's zone tz; both NULL when the tariff is malformed, each NULL when
-- the tariff has no price for that instant.
CREATE FUNCTION tessie_tesla_prices(c jsonb, at timestamptz, tz text,
    OUT buy double precision, OUT sell double precision)
LANGUAGE sql STABLE
AS $$
	SELECT CASE WHEN x.ok THEN tessie_tesla_price(c, at AT TIME ZONE tz,
		false) END,
	    CASE WHEN x.ok THEN tessie_tesla_price(c, at AT TIME ZONE tz,
		true) END
	FROM (SELECT tessie_tesla_tariff_problem(c) IS NULL AS ok) x
$$;

-- Flags Tesla's tariffs on every write: stored as sent, never priced when
-- malformed.  Manual tariffs are checked by the API (handlers/tariffs.c).
CREATE FUNCTION tessie_tariff_check()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
	IF NEW.source = 'tesla' THEN
		NEW.problem := tessie_tesla_tariff_problem(NEW.content);
	ELSE
		NEW.problem := NULL;
	END IF;
	NEW.valid := NEW.problem IS NULL;
	RETURN NEW;
END;
$$;

CREATE TRIGGER tariffs_check BEFORE INSERT OR UPDATE OF content, source
    ON tariffs FOR EACH ROW EXECUTE FUNCTION tessie_tariff_check();
UPDATE tariffs SET content = content WHERE source = 'tesla';

-- ---- sessions at an energy site ------------------------------------------

-- The energy site a session happened at (docs/solar-share-and-costs.md):
-- the site linked to its place; else, for an AC session at no place
-- linked to a site, the account's site whose Wall Connector power was at
-- least half the car's power in at least 80 % of the site's samples during
-- the session (two samples at least).
CREATE FUNCTION tessie_session_site(sid uuid)
RETURNS uuid
LANGUAGE sql STABLE
AS $$
	SELECT coalesce((SELECT p.energy_site_id FROM places p
		WHERE p.id = s.place_id), (
	    SELECT e.site_id
	    FROM energy_sites es
	    JOIN energy_states e ON e.site_id = es.id
		AND e.ts >= s.started_at AND e.ts <= s.ended_at
	    CROSS JOIN LATERAL (SELECT CASE WHEN vs.charging_state IN
		('Charging', 'Starting') THEN coalesce(vs.charger_power_kw,
		s.avg_power_kw) ELSE 0 END * 1000 AS car_w
		FROM vehicle_states vs WHERE vs.vehicle_id = s.vehicle_id
		  AND vs.ts <= e.ts ORDER BY vs.ts DESC LIMIT 1) c
	    WHERE es.account_id = v.account_id
	      AND s.charge_type = 'ac' AND s.ended_at > s.started_at
	      AND (SELECT p.energy_site_id FROM places p
		  WHERE p.id = s.place_id) IS NULL
	    GROUP BY e.site_id
	    HAVING count(*) >= 2 AND avg(CASE WHEN c.car_w > 0 AND
		coalesce(e.wall_connector_power_w, 0) >= 0.5 * c.car_w
		THEN 1 ELSE 0 END) >= 0.8
	    ORDER BY count(*) DESC, e.site_id LIMIT 1))
	FROM charging_sessions s JOIN vehicles v ON v.id = s.vehicle_id
	WHERE s.id = sid
$$;

-- The session cut at its start, every whole minute and its end: per slice
-- [a, b), the car's power (its latest state at or before a: charger power
-- while Charging/Starting, else 0) and the site's latest sample at or
-- before a, when at most 15 minutes old (else the site columns are NULL).
CREATE FUNCTION tessie_session_slices(sid uuid, site uuid)
RETURNS TABLE (a timestamptz, hours double precision, car_w double precision,
    covered boolean, solar_w double precision, battery_w double precision,
    load_w double precision)
LANGUAGE sql STABLE
AS $$
	WITH s AS (
		SELECT * FROM charging_sessions WHERE id = sid
		  AND ended_at > started_at
	), pts AS (
		SELECT started_at AS t FROM s
		UNION SELECT ended_at FROM s
		UNION SELECT g FROM s, generate_series(date_trunc('minute',
		    started_at) + interval '1 minute', ended_at,
		    interval '1 minute') g WHERE g < s.ended_at
	), sl AS (
		SELECT t AS a, lead(t) OVER (ORDER BY t) AS b FROM pts
	)
	SELECT sl.a, extract(epoch FROM sl.b - sl.a) / 3600,
	    coalesce(c.car_w, 0), e.ts IS NOT NULL,
	    greatest(e.solar_power_w, 0), e.battery_power_w,
	    coalesce(e.load_power_w, e.solar_power_w + e.battery_power_w +
		e.grid_power_w + coalesce(e.generator_power_w, 0))
	FROM sl CROSS JOIN s
	LEFT JOIN LATERAL (SELECT CASE WHEN vs.charging_state IN
		('Charging', 'Starting') THEN greatest(coalesce(
		vs.charger_power_kw, s.avg_power_kw), 0) ELSE 0 END * 1000
		AS car_w
	    FROM vehicle_states vs WHERE vs.vehicle_id = s.vehicle_id
	      AND vs.ts <= sl.a ORDER BY vs.ts DESC LIMIT 1) c ON true
	LEFT JOIN LATERAL (SELECT * FROM energy_states es
	    WHERE es.site_id = site AND es.ts <= sl.a
	      AND es.ts > sl.a - interval '15 minutes'
	      AND es.solar_power_w IS NOT NULL
	      AND es.battery_power_w IS NOT NULL
	      AND (es.load_power_w IS NOT NULL OR es.grid_power_w IS NOT NULL)
	    ORDER BY es.ts DESC LIMIT 1) e ON site IS NOT NULL
	WHERE sl.b IS NOT NULL
$$;

-- Shares and cost of one session (docs/solar-share-and-costs.md); returns
-- true when its cost or tariff changed.  mode: 'export_price' prices
-- solar energy at the export price it did not earn, 'free' at zero.
CREATE FUNCTION tessie_price_session(sid uuid, mode text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
	s charging_sessions;
	v_site uuid;
	tz text;
	st tariffs;
	pt tariffs;
	acct_tz text;
	tot double precision;
	cov double precision;
	sol double precision;
	bat double precision;
	grd double precision;
	total double precision;
	v_cost numeric;
	v_cur text;
	v_tid uuid;
	v_src text;
	share_ok boolean;
BEGIN
	SELECT * INTO s FROM charging_sessions WHERE id = sid;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	SELECT a.time_zone INTO acct_tz FROM vehicles v
	    JOIN accounts a ON a.id = v.account_id WHERE v.id = s.vehicle_id;
	v_site := CASE WHEN s.charge_type = 'dc' THEN NULL
	    ELSE tessie_session_site(sid) END;
	SELECT es.time_zone INTO tz FROM energy_sites es WHERE es.id = v_site;
	SELECT t.* INTO st FROM energy_sites es JOIN tariffs t
	    ON t.id = es.tariff_id
	    WHERE es.id = v_site AND t.source = 'tesla' AND t.valid;
	SELECT t.* INTO pt FROM places p JOIN tariffs t ON t.id = p.tariff_id
	    WHERE p.id = s.place_id;

	IF to_regclass('pg_temp.tessie_slices') IS NULL THEN
		CREATE TEMP TABLE tessie_slices (a timestamptz,
		    kwh double precision, covered boolean,
		    solar double precision, battery double precision,
		    buy double precision, sell double precision)
		    ON COMMIT DROP;
	END IF;
	TRUNCATE tessie_slices;
	-- Per slice, in kWh: the car's energy and the part of it solar
	-- (what the rest of the house left), then the Powerwall (what it
	-- gave beyond the rest of the house's deficit) covered.
	INSERT INTO tessie_slices
	SELECT x.a, x.car_w * x.hours / 1000, x.covered,
	    x.sol * x.hours / 1000, least(greatest(greatest(x.battery_w, 0)
		- greatest(x.rest - x.solar_w, 0), 0), x.car_w - x.sol)
		* x.hours / 1000,
	    NULL, NULL
	FROM (SELECT z.*, least(greatest(z.solar_w - z.rest, 0), z.car_w)
		AS sol
	    FROM (SELECT y.*, greatest(y.load_w - y.car_w, 0) AS rest
		FROM tessie_session_slices(sid, v_site) y) z) x
	WHERE x.hours > 0;

	SELECT sum(kwh), sum(kwh) FILTER (WHERE covered),
	    sum(solar) FILTER (WHERE covered),
	    sum(battery) FILTER (WHERE covered)
	INTO tot, cov, sol, bat FROM tessie_slices;
	share_ok := v_site IS NOT NULL AND tot > 0 AND cov >= 0.8 * tot;
	IF NOT share_ok THEN
		UPDATE tessie_slices SET covered = false;
	END IF;

	IF s.cost_source = 'tesla' AND s.tariff_id IS NULL THEN
		-- Tesla's bill stays (Supercharger).
		v_cost := s.cost;
		v_cur := s.currency;
		v_src := 'tesla';
		v_tid := NULL;
	ELSIF st.id IS NOT NULL THEN
		-- The site's Tesla tariff, each slice at its own prices.
		WITH rb AS MATERIALIZED (
			SELECT * FROM tessie_tesla_rules(st.content, false)
		), rs AS MATERIALIZED (
			SELECT * FROM tessie_tesla_rules(st.content, true)
		)
		UPDATE tessie_slices l SET
		    buy = (SELECT r.rate FROM rb r WHERE tessie_tesla_rule_holds(
			r.from_md, r.to_md, r.from_dow, r.to_dow, r.from_min,
			r.to_min, l.a AT TIME ZONE tz) ORDER BY r.ord LIMIT 1),
		    sell = (SELECT r.rate FROM rs r WHERE tessie_tesla_rule_holds(
			r.from_md, r.to_md, r.from_dow, r.to_dow, r.from_min,
			r.to_min, l.a AT TIME ZONE tz) ORDER BY r.ord LIMIT 1);
		SELECT CASE WHEN bool_and(kwh = 0 OR buy IS NOT NULL)
			AND bool_and(NOT covered OR solar = 0 OR
			    mode = 'free' OR sell IS NOT NULL)
		    THEN sum(CASE WHEN covered
			THEN (kwh - solar) * buy + solar * CASE WHEN
			    mode = 'free' THEN 0 ELSE sell END
			ELSE kwh * buy END) END
		INTO total FROM tessie_slices;
		v_cost := round(total::numeric, 2);
		v_cur := st.currency;
		v_tid := st.id;
		v_src := 'tariff';
	ELSIF pt.id IS NOT NULL THEN
		-- The place's manual tariff (sql/013).
		v_cost := tessie_session_cost(pt, s.started_at, s.ended_at,
		    s.energy_added_kwh, acct_tz);
		v_cur := pt.currency;
		v_tid := pt.id;
		v_src := 'tariff';
	END IF;
	IF v_cost IS NULL THEN
		v_cur := NULL;
		v_tid := NULL;
		v_src := NULL;
	END IF;

	grd := CASE WHEN share_ok THEN cov - sol - bat END;
	UPDATE charging_sessions SET site_id = v_site,
	    solar_share = CASE WHEN share_ok THEN sol / cov END,
	    battery_share = CASE WHEN share_ok THEN bat / cov END,
	    grid_share = CASE WHEN share_ok THEN greatest(grd, 0) / cov END,
	    solar_kwh = CASE WHEN share_ok THEN least(sol / cov * tot, 2000)
		END,
	    battery_kwh = CASE WHEN share_ok THEN least(bat / cov * tot, 2000)
		END,
	    grid_kwh = CASE WHEN share_ok
		THEN least(greatest(grd, 0) / cov * tot, 2000) END,
	    solar_energy_kwh = CASE WHEN share_ok AND (energy_used_kwh IS NULL
		OR sol / cov * tot <= energy_used_kwh) THEN
		least(sol / cov * tot, 1000) END,
	    site_coverage = CASE WHEN v_site IS NOT NULL AND tot > 0
		THEN least(cov / tot, 1) END,
	    cost = v_cost, currency = v_cur, cost_source = v_src,
	    tariff_id = v_tid,
	    costed_at = now()
	WHERE id = sid;
	RETURN (s.cost, s.tariff_id) IS DISTINCT FROM (v_cost, v_tid);
END;
$$;

-- (Re)computes the site, shares and cost of the account's derived
-- sessions that started at or after since, and of any older one whose
-- place, tariff or solar_cost_mode setting changed since it was last
-- computed; returns how many changed cost or tariff.  Replaces sql/013's.
CREATE OR REPLACE FUNCTION tessie_cost_sessions(acct uuid, since timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
	mode text;
	mode_at timestamptz;
	sid uuid;
	n integer := 0;
BEGIN
	SELECT value #>> '{}', updated_at INTO mode, mode_at FROM settings
	    WHERE account_id = acct AND key = 'solar_cost_mode';
	mode := coalesce(mode, 'export_price');
	FOR sid IN
		SELECT s.id FROM charging_sessions s
		JOIN vehicles v ON v.id = s.vehicle_id
		LEFT JOIN places p ON p.id = s.place_id
		WHERE v.account_id = acct AND s.derived
		  AND (s.started_at >= since OR s.costed_at IS NULL
		    OR s.costed_at < s.updated_at
		    OR s.costed_at < mode_at
		    OR s.costed_at < p.updated_at
		    OR EXISTS (SELECT 1 FROM tariffs t
			WHERE t.account_id = acct
			  AND t.updated_at > s.costed_at
			  AND (t.id = p.tariff_id OR t.id = s.tariff_id
			    OR t.id IN (SELECT tariff_id FROM energy_sites
				WHERE account_id = acct))))
		ORDER BY s.started_at
	LOOP
		IF tessie_price_session(sid, mode) THEN
			n := n + 1;
		END IF;
	END LOOP;
	RETURN n;
END;
$$;

-- ---- the money of a day at a site -----------------------------------------

-- Prices the grid import and export of the site's energy_daily rows of
-- local days [from_date, to_date] (NULL: unbounded) from Tesla's 5-minute
-- energy_history buckets, each at the buy or sell price of its start in
-- the site's zone.  Only existing rows are updated (the daily rollup
-- writes them); returns how many changed.
CREATE FUNCTION tessie_energy_daily_money(site uuid, from_date date,
    to_date date)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
	tz text;
	c jsonb;
	cur text;
	d0 date;
	d1 date;
	n integer;
BEGIN
	SELECT es.time_zone, t.content, t.currency INTO tz, c, cur
	FROM energy_sites es
	LEFT JOIN tariffs t ON t.id = es.tariff_id AND t.source = 'tesla'
	    AND t.valid
	WHERE es.id = site;
	SELECT coalesce(from_date, min(local_date)),
	    coalesce(to_date, max(local_date))
	INTO d0, d1 FROM energy_daily WHERE site_id = site;
	IF d0 IS NULL OR d1 IS NULL THEN
		RETURN 0;
	END IF;
	WITH rb AS MATERIALIZED (
		SELECT * FROM tessie_tesla_rules(c, false) WHERE c IS NOT NULL
	), rs AS MATERIALIZED (
		SELECT * FROM tessie_tesla_rules(c, true) WHERE c IS NOT NULL
	), b AS (
		SELECT (h.ts AT TIME ZONE tz)::date AS d,
		    h.ts AT TIME ZONE tz AS lt,
		    coalesce(h.grid_energy_imported_kwh, 0) AS imp,
		    coalesce(h.grid_energy_exported_from_solar_kwh, 0) +
			coalesce(h.grid_energy_exported_from_battery_kwh, 0) +
			coalesce(h.grid_energy_exported_from_generator_kwh, 0)
			AS exp
		FROM energy_history h
		WHERE h.site_id = site AND h.period = '5min'
		  AND h.ts >= (d0::timestamp AT TIME ZONE tz)
		  AND h.ts < ((d1 + 1)::timestamp AT TIME ZONE tz)
	), p AS (
		SELECT b.*,
		    (SELECT r.rate FROM rb r WHERE tessie_tesla_rule_holds(
			r.from_md, r.to_md, r.from_dow, r.to_dow, r.from_min,
			r.to_min, b.lt) ORDER BY r.ord LIMIT 1) AS buy,
		    (SELECT r.rate FROM rs r WHERE tessie_tesla_rule_holds(
			r.from_md, r.to_md, r.from_dow, r.to_dow, r.from_min,
			r.to_min, b.lt) ORDER BY r.ord LIMIT 1) AS sell
		FROM b
	), day AS (
		SELECT p.d,
		    CASE WHEN bool_and(p.imp = 0 OR p.buy IS NOT NULL)
			THEN round(sum(p.imp * coalesce(p.buy, 0))::numeric, 4)
			END AS cost,
		    CASE WHEN bool_and(p.exp = 0 OR p.sell IS NOT NULL)
			THEN round(sum(p.exp * coalesce(p.sell, 0))::numeric,
			4) END AS val
		FROM p GROUP BY p.d
	), x AS (
		SELECT e.local_date, day.cost, day.val,
		    CASE WHEN day.cost IS NOT NULL OR day.val IS NOT NULL
			THEN cur END AS cur
		FROM energy_daily e
		LEFT JOIN day ON day.d = e.local_date AND c IS NOT NULL
		WHERE e.site_id = site AND e.local_date BETWEEN d0 AND d1
	), up AS (
		UPDATE energy_daily e SET grid_import_cost = x.cost,
		    grid_export_value = x.val, currency = x.cur
		FROM x WHERE e.site_id = site AND e.local_date = x.local_date
		  AND (e.grid_import_cost, e.grid_export_value, e.currency)
		      IS DISTINCT FROM (x.cost, x.val, x.cur)
		RETURNING 1
	)
	SELECT count(*) INTO n FROM up;
	RETURN n;
END;
$$;

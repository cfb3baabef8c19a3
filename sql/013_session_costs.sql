-- Cost of charging sessions from the tariff of the place they happened at
-- (handlers/tariffs.c documents the tariff formats; docs/analytics.md the
-- rules).  Supercharger sessions keep Tesla's bill; sessions at the home
-- of an energy site are costed by the energy analytics instead.

-- The price of a kWh under a time-of-use tariff at a local instant.
CREATE FUNCTION tessie_tou_price(content jsonb, local timestamp)
RETURNS double precision
LANGUAGE sql IMMUTABLE
AS $$
	SELECT coalesce((
		SELECT (p->>'per_kwh')::double precision
		FROM jsonb_array_elements(content->'periods') p
		WHERE p->'days' @> to_jsonb(extract(isodow FROM local)::int)
		  AND local::time >= (p->>'from')::time
		  AND (p->>'to' = '24:00' OR local::time < (p->>'to')::time)
		LIMIT 1), (content->>'default_per_kwh')::double precision)
$$;

-- What a session cost under tariff t, spreading its energy evenly over its
-- minutes (Tesla's counter gives no finer split); NULL when unknown.
CREATE FUNCTION tessie_session_cost(t tariffs, started timestamptz,
    ended timestamptz, kwh double precision, tz text)
RETURNS numeric
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	minutes double precision;
	total double precision;
BEGIN
	IF t.id IS NULL OR kwh IS NULL OR ended IS NULL OR ended <= started
	THEN
		RETURN NULL;
	END IF;
	minutes := extract(epoch FROM ended - started) / 60;
	IF t.kind = 'flat' THEN
		total := kwh * (t.content->>'per_kwh')::double precision
		    + minutes * coalesce((t.content->>'per_minute')
			::double precision, 0)
		    + coalesce((t.content->>'session_fee')::double precision, 0);
	ELSIF t.kind = 'tou' AND t.source = 'manual' THEN
		-- Each whole minute, priced at its local start.
		SELECT sum(tessie_tou_price(t.content, (m AT TIME ZONE tz)))
		    * kwh / count(*)
		INTO total
		FROM generate_series(started, ended - interval '1 second',
		    interval '1 minute') m;
	ELSE
		RETURN NULL;	-- Tesla's own tariff format: the energy issue
	END IF;
	RETURN round(total::numeric, 2);
END;
$$;

-- (Re)costs the account's derived, non-Tesla-billed sessions that started
-- at or after since, at places with a tariff; returns how many changed.
CREATE FUNCTION tessie_cost_sessions(acct uuid, since timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
	n integer;
BEGIN
	WITH c AS (
		SELECT s.id, t.id AS tariff_id, t.currency,
		    tessie_session_cost(t, s.started_at, s.ended_at,
			s.energy_added_kwh, a.time_zone) AS cost
		FROM charging_sessions s
		JOIN vehicles v ON v.id = s.vehicle_id
		JOIN accounts a ON a.id = v.account_id
		LEFT JOIN places p ON p.id = s.place_id
		LEFT JOIN tariffs t ON t.id = p.tariff_id
		WHERE v.account_id = acct AND s.derived
		  AND s.started_at >= since
		  AND coalesce(s.cost_source, '') <> 'tesla'
		  AND p.energy_site_id IS NULL
	), up AS (
		UPDATE charging_sessions s SET cost = c.cost,
		    currency = CASE WHEN c.cost IS NULL THEN NULL
			ELSE c.currency END,
		    cost_source = CASE WHEN c.cost IS NULL THEN NULL
			ELSE 'tariff' END,
		    tariff_id = CASE WHEN c.cost IS NULL THEN NULL
			ELSE c.tariff_id END
		FROM c WHERE s.id = c.id
		  AND (s.cost, s.tariff_id) IS DISTINCT FROM
		      (c.cost, CASE WHEN c.cost IS NULL THEN NULL
			  ELSE c.tariff_id END)
		RETURNING 1
	)
	SELECT count(*) INTO n FROM up;
	RETURN n;
END;
$$;

-- 012: drives attributed to drivers by rules (DESIGN §6, docs/analytics.md,
-- "Drivers").  tessie_attribute() gives every drive of an account that is
-- not attributed by hand the driver of its most specific matching enabled
-- rule, or no driver.

COMMENT ON TABLE driver_rules IS
    'Rules that attribute drives to drivers; the enabled matching rule with '
    'the most criteria set wins, ties: lowest priority value, then oldest.';
COMMENT ON COLUMN driver_rules.place_id IS
    'The drive must start or end at this place.';

-- The number of criteria rule x sets: vehicle, place, window, weekdays
-- other than all seven.
CREATE FUNCTION tessie_rule_specificity(x driver_rules)
RETURNS integer
LANGUAGE sql IMMUTABLE
AS $$
	SELECT (x.vehicle_id IS NOT NULL)::int + (x.place_id IS NOT NULL)::int
	    + (x.start_time IS NOT NULL)::int
	    + (NOT x.weekdays @> '{1,2,3,4,5,6,7}'::smallint[])::int;
$$;

-- Re-attributes the account's drives that start in [since, until) (until
-- NULL: no end), of one vehicle or all (vehicle NULL), leaving manual ones
-- alone.  Returns the number of drives whose attribution changed.
CREATE FUNCTION tessie_attribute(acct uuid, since timestamptz,
    until timestamptz DEFAULT NULL, vehicle uuid DEFAULT NULL)
RETURNS integer
LANGUAGE sql
AS $$
	WITH pick AS (
		SELECT d.id, (SELECT x.id FROM driver_rules x
		    WHERE x.account_id = acct AND x.enabled
		    AND (x.vehicle_id IS NULL OR x.vehicle_id = d.vehicle_id)
		    AND (x.place_id IS NULL OR x.place_id = d.start_place_id
			OR x.place_id = d.end_place_id)
		    AND extract(isodow FROM l.ts)::smallint = ANY (x.weekdays)
		    AND (x.start_time IS NULL
			OR (x.start_time < x.end_time AND l.ts::time >=
			    x.start_time AND l.ts::time < x.end_time)
			OR (x.start_time > x.end_time AND (l.ts::time >=
			    x.start_time OR l.ts::time < x.end_time)))
		    ORDER BY tessie_rule_specificity(x) DESC, x.priority,
			x.created_at, x.id
		    LIMIT 1) AS rule_id
		FROM drives d
		JOIN vehicles v ON v.id = d.vehicle_id
		JOIN accounts a ON a.id = v.account_id
		CROSS JOIN LATERAL (SELECT d.started_at AT TIME ZONE
		    a.time_zone AS ts) l
		WHERE v.account_id = acct AND d.started_at >= since
		    AND (until IS NULL OR d.started_at < until)
		    AND (vehicle IS NULL OR d.vehicle_id = vehicle)
		    AND d.attribution IS DISTINCT FROM 'manual'
	), up AS (
		UPDATE drives d SET driver_id = x.driver_id,
		    driver_rule_id = x.id,
		    attribution = CASE WHEN x.id IS NOT NULL THEN 'rule' END
		FROM pick p LEFT JOIN driver_rules x ON x.id = p.rule_id
		WHERE d.id = p.id AND (d.driver_id, d.driver_rule_id,
		    d.attribution) IS DISTINCT FROM (x.driver_id, x.id,
		    CASE WHEN x.id IS NOT NULL THEN 'rule' END)
		RETURNING 1
	)
	SELECT count(*)::int FROM up;
$$;

COMMENT ON FUNCTION tessie_attribute(uuid, timestamptz, timestamptz, uuid) IS
    'Attributes the account''s drives from since (to until, of vehicle) by '
    'its rules, except manual ones; returns how many changed.';

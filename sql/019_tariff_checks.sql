-- 019: two more ways Tesla's tariff_content_v2 can be unusable, found by
-- serving malformed site_info through the simulator
-- (tests/integration/test_it_tariff_faults.c).
--
-- * Prices for seasons the tariff does not define: with "seasons" left
--   out, sql/017 took the tariff for a flat one and priced every kWh at
--   energy_charges.ALL.rates.ALL (0 in Tesla's tariffs), so sessions and
--   days were given a cost of 0.00 instead of none.  Now every
--   energy_charges key but "ALL" must name a season of its side (the
--   sell_tariff's own seasons, else the buy side's, as
--   tessie_tesla_rules() reads them).
-- * Size: a tariff over 64 kB (Tesla's are a few kB) is stored but not
--   priced, so that pricing and GET /api/energy/sites/:id never walk
--   thousands of rules.

ALTER FUNCTION tessie_tesla_tariff_problem(jsonb)
    RENAME TO tessie_tesla_tariff_problem_017;

-- Why a tariff_content_v2 cannot be used, or NULL when it can: sql/017's
-- type and range checks, then the size and the seasons of the prices.
CREATE FUNCTION tessie_tesla_tariff_problem(c jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	side text;
	t jsonb;
	seasons jsonb;
	pre text;
	k text;
	problem text;
	bytes integer;
BEGIN
	IF c IS NOT NULL THEN
		bytes := octet_length(c::text);
		IF bytes > 65536 THEN
			RETURN format('tariff is larger than 64 kB (%s bytes)',
			    bytes);
		END IF;
	END IF;
	problem := tessie_tesla_tariff_problem_017(c);
	IF problem IS NOT NULL THEN
		RETURN problem;
	END IF;
	FOREACH side IN ARRAY ARRAY['buy', 'sell'] LOOP
		t := CASE side WHEN 'buy' THEN c ELSE c->'sell_tariff' END;
		pre := CASE side WHEN 'buy' THEN '' ELSE 'sell_tariff: ' END;
		IF jsonb_typeof(t) IS DISTINCT FROM 'object' THEN
			CONTINUE;
		END IF;
		seasons := coalesce(t->'seasons', c->'seasons');
		FOR k IN SELECT key FROM jsonb_object_keys(t->'energy_charges')
		    key ORDER BY key LOOP
			CONTINUE WHEN k = 'ALL';
			IF jsonb_typeof(seasons) IS DISTINCT FROM 'object' THEN
				RETURN left(format('%s"seasons" is missing, '
				    'but energy_charges has "%s"', pre, k),
				    200);
			END IF;
			IF NOT seasons ? k THEN
				RETURN left(format('%senergy_charges "%s" is '
				    'not a season of the tariff', pre, k),
				    200);
			END IF;
		END LOOP;
	END LOOP;
	RETURN NULL;
END;
$$;

-- Flag again what sql/017 let through (the trigger reads the new checks).
UPDATE tariffs SET content = content WHERE source = 'tesla';

#!/usr/bin/env bash
# Daily energy rollup benchmark (issue 5): figures, no pass/fail.
#
# Seeds 10 energy sites in 10 time zones with 3 years of 5-minute samples
# (energy_states) and Tesla buckets (energy_history) into a throwaway
# stack, then times:
#   - the full rebuild (tessie-sync rollup_full), target < 10 s;
#   - an incremental run (tessie-sync rollup) after one new day of samples
#     and buckets for every site, target < 100 ms;
#   - a rerun with nothing new.
#
#	tests/bench/energy.sh BUILD
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
cd "$TOP"
. tests/stack-up.sh
SITES=${SITES:-10}
DAYS=${DAYS:-1096}

TESSIE_LOG_LEVEL=error bench_stack_up "$BUILD"

now() { date +%s.%N; }
ms() { awk "BEGIN { printf \"%.0f\", ($2 - $1) * 1000 }"; }

# Sites, then per site its days up to yesterday (local), one statement each
# for samples and buckets (the triggers mark the days as they go in).
t0=$(now)
stack_psql <<SQL >/dev/null
INSERT INTO accounts (username) VALUES ('bench-energy');
INSERT INTO energy_sites (account_id, tesla_site_id, site_name, time_zone)
SELECT a.id, 7000 + i, 'bench ' || i, (ARRAY['Europe/Berlin',
    'America/Los_Angeles', 'Australia/Sydney', 'Asia/Kolkata',
    'America/New_York', 'Europe/London', 'Asia/Tokyo',
    'Australia/Adelaide', 'America/St_Johns', 'Pacific/Auckland'])[1 + i % 10]
FROM accounts a, generate_series(0, $SITES - 1) i
WHERE a.username = 'bench-energy';
SQL
for site in $(stack_psql -c "SELECT id FROM energy_sites WHERE tesla_site_id >= 7000 ORDER BY 1"); do
	stack_psql <<SQL >/dev/null
-- A clear-sky day: solar 5 kW peak 06-18 local, house 0.4-0.8 kW, the
-- battery charging from half the surplus; powers in W, Tesla's signs.
CREATE TEMP TABLE p AS
SELECT ts, s.solar, s.load, -0.5 * s.solar AS battery,
    s.load - s.solar + 0.5 * s.solar AS grid
FROM energy_sites e,
    generate_series(((now() AT TIME ZONE e.time_zone)::date - $DAYS)::timestamp
	AT TIME ZONE e.time_zone, (now() AT TIME ZONE e.time_zone)::date::timestamp
	AT TIME ZONE e.time_zone - interval '5 minutes',
	interval '5 minutes') ts,
    LATERAL (SELECT extract(epoch FROM (ts AT TIME ZONE e.time_zone)::time)
	/ 3600 AS h) x,
    LATERAL (SELECT greatest(0, 5000 * sin(pi() * (x.h - 6) / 12)) AS solar,
	600 + 200 * sin(pi() * x.h / 6) AS load) s
WHERE e.id = '$site';
INSERT INTO energy_states (site_id, ts, solar_power_w, battery_power_w,
    grid_power_w, load_power_w)
SELECT '$site', ts, solar, battery, grid, load FROM p;
INSERT INTO energy_history (site_id, period, ts, solar_energy_exported_kwh,
    grid_energy_imported_kwh, grid_energy_exported_from_solar_kwh,
    battery_energy_imported_from_solar_kwh, battery_energy_exported_kwh,
    consumer_energy_imported_from_grid_kwh,
    consumer_energy_imported_from_solar_kwh,
    consumer_energy_imported_from_battery_kwh)
SELECT '$site', '5min', ts, solar / 12000, greatest(grid, 0) / 12000,
    greatest(-grid, 0) / 12000, -battery / 12000, 0,
    greatest(grid, 0) / 12000, least(load, solar + battery) / 12000, 0
FROM p;
SQL
done
stack_psql -c "VACUUM ANALYZE energy_states" >/dev/null
stack_psql -c "VACUUM ANALYZE energy_history" >/dev/null
t1=$(now)
states=$(stack_psql -c "SELECT count(*) FROM energy_states")
buckets=$(stack_psql -c "SELECT count(*) FROM energy_history")
marked=$(stack_psql -c "SELECT count(*) FROM energy_daily_dirty")

# The full rebuild, twice: the second writes nothing.
t2=$(now)
"$BUILD/tessie-sync" rollup_full
t3=$(now)
days=$(stack_psql -c "SELECT count(*) FROM energy_daily")
flagged=$(stack_psql -c "SELECT count(*) FROM energy_daily WHERE flagged")
"$BUILD/tessie-sync" rollup
t4=$(now)
"$BUILD/tessie-sync" rollup_full
t5=$(now)
w_full2=$(stack_psql -c "SELECT details->>'written' FROM sync_runs WHERE job = 'rollup_full' ORDER BY id DESC LIMIT 1")

# One new day per site (today, local), then the incremental run.
stack_psql <<SQL >/dev/null
INSERT INTO energy_states (site_id, ts, solar_power_w, battery_power_w,
    grid_power_w, load_power_w)
SELECT e.id, ts, 1000, 0, -500, 500 FROM energy_sites e,
    generate_series((now() AT TIME ZONE e.time_zone)::date::timestamp
	AT TIME ZONE e.time_zone, now(), interval '5 minutes') ts
WHERE e.tesla_site_id >= 7000;
INSERT INTO energy_history (site_id, period, ts, solar_energy_exported_kwh)
SELECT e.id, '5min', ts, 1000.0 / 12000 FROM energy_sites e,
    generate_series((now() AT TIME ZONE e.time_zone)::date::timestamp
	AT TIME ZONE e.time_zone, now() - interval '5 minutes',
	interval '5 minutes') ts
WHERE e.tesla_site_id >= 7000;
SQL
t6=$(now)
"$BUILD/tessie-sync" rollup
t7=$(now)
inc=$(stack_psql -c "SELECT details->>'days' || ' days, ' || (details->>'written') || ' written' FROM sync_runs WHERE job = 'rollup' ORDER BY id DESC LIMIT 1")
# The same through SQL alone (no process start, no connection).
sql_ms=$(stack_psql <<'SQL' | tail -n 1
INSERT INTO energy_states (site_id, ts, solar_power_w, battery_power_w,
    grid_power_w, load_power_w)
SELECT id, now(), 900, 0, -400, 500 FROM energy_sites
WHERE tesla_site_id >= 7000 ON CONFLICT DO NOTHING;
\o /dev/null
SELECT clock_timestamp() AS t0 \gset
SELECT tessie_energy_rollup_dirty(id) FROM energy_sites;
\o
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000, 1);
SQL
)
t8=$(now)
"$BUILD/tessie-sync" rollup
t9=$(now)

printf '\nenergy rollup (%s cores): %s sites x %s days\n' "$(nproc)" "$SITES" "$DAYS"
printf 'data: %s samples, %s buckets, loaded in %.1f s (%s days marked)\n' \
	"$states" "$buckets" "$(awk "BEGIN { print $t1 - $t0 }")" "$marked"
printf '%-46s %8s ms\n' "full rebuild (tessie-sync rollup_full)" "$(ms "$t2" "$t3")"
printf '  %s daily rows, %s flagged\n' "$days" "$flagged"
printf '%-46s %8s ms\n' "incremental run after it, nothing new" "$(ms "$t3" "$t4")"
printf '%-46s %8s ms\n' "full rebuild again (writes $w_full2 rows)" "$(ms "$t4" "$t5")"
printf '%-46s %8s ms\n' "incremental run after a new day per site" "$(ms "$t6" "$t7")"
printf '  (%s)\n' "$inc"
printf '%-46s %8s ms\n' "the same in SQL, one new sample per site" "$sql_ms"
printf '%-46s %8s ms\n' "incremental run, nothing new" "$(ms "$t8" "$t9")"
# Issue 5: the full rebuild under 10 s, the incremental run under 100 ms.
bench_setting energy_rollup "$SITES sites x $DAYS days, $states samples"
bench_figure "rollup: full rebuild, $SITES sites x $DAYS days" \
	"$(awk "BEGIN { printf \"%.2f\", $t3 - $t2 }")" s "< 10"
bench_figure "rollup: full rebuild again, nothing to write" \
	"$(awk "BEGIN { printf \"%.2f\", $t5 - $t4 }")" s
bench_figure "rollup: incremental, a new day per site" "$(ms "$t6" "$t7")" ms "< 100"
bench_figure "rollup: incremental, the same in SQL" "$sql_ms" ms
bench_figure "rollup: incremental, nothing new" "$(ms "$t8" "$t9")" ms

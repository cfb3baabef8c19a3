-- 010: a place's circle may be up to 100 km across in radius (a region
-- rather than an address), and the manual tariff format of the API.

ALTER TABLE places DROP CONSTRAINT places_radius_m_check,
    ADD CONSTRAINT places_radius_m_check
    CHECK (radius_m > 0 AND radius_m <= 100000);

COMMENT ON COLUMN tariffs.content IS
    'source = tesla: site_info.tariff_content_v2 verbatim.  source = manual: '
    'flat {"per_kwh", "per_minute"?, "session_fee"?} or tou {"periods": '
    '[{"days": [1..7], "from": "HH:MM", "to": "HH:MM", "per_kwh"}], '
    '"default_per_kwh"}, prices in currency units (handlers/tariffs.c).';

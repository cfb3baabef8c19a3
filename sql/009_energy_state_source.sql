-- Gaps in the live samples of a site are filled from Tesla's power history
-- (calendar_history kind=power, 15-minute samples): each row says where it
-- came from, so that a day is backfilled once.
ALTER TABLE energy_states ADD COLUMN source text NOT NULL DEFAULT 'live'
    CHECK (source IN ('live', 'history'));
COMMENT ON COLUMN energy_states.source IS
    'live: live_status polled by energy_live; history: Tesla''s power '
    'history, fetched by energy_history to fill a gap.';

-- What the Powerwall keeps for an outage, and how it runs: site_info's
-- backup_reserve_percent and default_real_mode, stored by the sync jobs
-- that describe the site, shown by GET /api/energy/sites/:id and /live.
ALTER TABLE energy_sites
    ADD COLUMN backup_reserve_percent smallint
	CHECK (backup_reserve_percent BETWEEN 0 AND 100),
    ADD COLUMN operation_mode text
	CHECK (operation_mode ~ '^[a-z_]{1,32}$');

COMMENT ON COLUMN energy_sites.backup_reserve_percent IS
    'Share of the Powerwall kept for outages (site_info), null when unknown.';
COMMENT ON COLUMN energy_sites.operation_mode IS
    'site_info default_real_mode: self_consumption, backup or autonomous.';

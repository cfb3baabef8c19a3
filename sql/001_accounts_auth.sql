-- 001: shared helper functions, the login account, login rate limiting,
-- the Tesla OAuth state, the sealed Tesla tokens and per-account settings.
--
-- Conventions for every migration in this directory (DESIGN §3):
--   * Each file runs inside one transaction opened by the migration runner:
--     no BEGIN/COMMIT, no CONCURRENTLY, no VACUUM here.
--   * Every instant is timestamptz; units are SI and named in the column
--     (_km, _kmh, _kw, _kwh, _w, _c, _m, _h) or given in a COMMENT.
--   * Enumerations are text + CHECK (easy to extend in a later migration);
--     free-form strings that come from Tesla are only length-checked, so
--     that a new firmware value never makes a whole sync batch fail.
--   * Every owned entity carries account_id; time series are owned through
--     their parent (vehicle_id, site_id), which leads every time series key.

-- Sets updated_at on UPDATE.  Attached with
-- "WHEN (OLD.* IS DISTINCT FROM NEW.*)" so that no-op upserts leave it alone.
CREATE FUNCTION tessie_touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END;
$$;

-- True when tz is a canonical IANA zone name that PostgreSQL knows
-- ("Europe/Berlin", "America/Los_Angeles", "UTC"): now() AT TIME ZONE tz
-- must work, and the name must be listed in pg_timezone_names, which
-- rejects abbreviations ("PST": fixed offset, no DST) and POSIX strings
-- ("UTC+3") that AT TIME ZONE would also accept.  Costs ~20 ms (the view
-- reads the zone directory), so it runs from a trigger only when the value
-- changes, never as a per-row CHECK.
CREATE FUNCTION tessie_is_time_zone(tz text)
RETURNS boolean
LANGUAGE plpgsql
STABLE STRICT
AS $$
BEGIN
	IF length(tz) > 64
	    OR tz !~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$'
	    OR tz IN ('Factory', 'localtime', 'posixrules') THEN
		RETURN false;
	END IF;
	PERFORM now() AT TIME ZONE tz;
	RETURN EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = tz);
EXCEPTION
	WHEN invalid_parameter_value THEN
		RETURN false;
END;
$$;

COMMENT ON FUNCTION tessie_is_time_zone(text) IS
    'True for a canonical IANA time zone name usable with AT TIME ZONE.';

-- Row trigger: refuses NEW.time_zone unless tessie_is_time_zone() holds.
-- Raises check_violation (23514) like a CHECK constraint would.
CREATE FUNCTION tessie_check_time_zone()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
	IF NEW.time_zone IS NOT NULL
	    AND NOT tessie_is_time_zone(NEW.time_zone) THEN
		RAISE EXCEPTION 'invalid time zone "%"', NEW.time_zone
		    USING ERRCODE = 'check_violation',
			  HINT = 'use an IANA name such as "Europe/Berlin"';
	END IF;
	RETURN NEW;
END;
$$;

-- The login user.  Single user today; every owned row references it.
CREATE TABLE accounts (
	id		uuid		PRIMARY KEY DEFAULT gen_random_uuid(),
	username	text		NOT NULL UNIQUE
	    CHECK (username ~ '^[A-Za-z0-9._@+-]{1,64}$'),
	password_hash	text
	    CHECK (password_hash ~ '^[a-z0-9-]+\$' AND length(password_hash) <= 512),
	role		text		NOT NULL DEFAULT 'admin'
	    CHECK (role IN ('admin', 'user')),
	time_zone	text		NOT NULL DEFAULT 'UTC'
	    CHECK (length(time_zone) <= 64),
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now()
);

COMMENT ON TABLE accounts IS
    'Login users of Tessie Stats; every owned row references one.';
COMMENT ON COLUMN accounts.password_hash IS
    'Slow-KDF hash tagged with its algorithm ("scrypt$N$r$p$salt$hash"); '
    'NULL until a password is set.  Never a plaintext password.';
COMMENT ON COLUMN accounts.role IS
    'admin may trigger syncs and change settings; user may only read.';
COMMENT ON COLUMN accounts.time_zone IS
    'IANA zone for the owner''s local days (drive/charge stats, driver '
    'rules).  Energy sites use their own installation time zone.';

CREATE TRIGGER accounts_updated_at BEFORE UPDATE ON accounts
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();
CREATE TRIGGER accounts_time_zone_ins BEFORE INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION tessie_check_time_zone();
CREATE TRIGGER accounts_time_zone_upd BEFORE UPDATE OF time_zone ON accounts
    FOR EACH ROW WHEN (NEW.time_zone IS DISTINCT FROM OLD.time_zone)
    EXECUTE FUNCTION tessie_check_time_zone();

-- Login rate limiting shared by all stateless API workers: count the recent
-- failures of an address (and of a username) before checking a password.
CREATE TABLE login_attempts (
	id		bigserial	PRIMARY KEY,
	remote_addr	text		NOT NULL
	    CHECK (length(remote_addr) BETWEEN 1 AND 64),
	username	text		CHECK (length(username) <= 64),
	attempted_at	timestamptz	NOT NULL DEFAULT now(),
	succeeded	boolean		NOT NULL
);

CREATE INDEX login_attempts_addr_ts ON login_attempts (remote_addr, attempted_at);
CREATE INDEX login_attempts_user_ts ON login_attempts (username, attempted_at)
    WHERE username IS NOT NULL;

COMMENT ON TABLE login_attempts IS
    'One row per POST /api/auth/login; rows older than the rate-limit '
    'window may be deleted at any time.';
COMMENT ON COLUMN login_attempts.remote_addr IS
    'Client address as seen by nginx (REMOTE_ADDR).';

-- Pending Tesla OAuth authorization-code flows (GET /api/auth/tesla/start ->
-- /callback may hit different workers).  Single use: the callback deletes
-- the row it matches.
CREATE TABLE oauth_states (
	state_hash	bytea		PRIMARY KEY
	    CHECK (octet_length(state_hash) = 32),
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	expires_at	timestamptz	NOT NULL DEFAULT now() + interval '10 minutes',
	CHECK (expires_at > created_at)
);

CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

COMMENT ON TABLE oauth_states IS
    'Outstanding OAuth "state" values of the Tesla login flow.';
COMMENT ON COLUMN oauth_states.state_hash IS
    'SHA-256 of the random state sent to Tesla (the state itself is not stored).';

-- Tesla OAuth tokens, one set per account, sealed with AES-256-GCM by
-- lib/crypto (version byte | 12-byte IV | ciphertext | 16-byte tag, AAD
-- "tesla_tokens|<column>|<account_id>|<key_version>").  Never plaintext.
CREATE TABLE tesla_tokens (
	account_id	uuid		PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	refresh_token_enc bytea		NOT NULL,
	access_token_enc bytea,
	key_version	smallint	NOT NULL CHECK (key_version BETWEEN 0 AND 255),
	region		text		CHECK (region IN ('na', 'eu', 'cn')),
	scopes		text[],
	expires_at	timestamptz,
	refresh_expires_at timestamptz,
	last_refresh_at	timestamptz,
	rate_limited_until timestamptz,
	last_error	text		CHECK (length(last_error) <= 1000),
	needs_login	boolean		NOT NULL DEFAULT false,
	created_at	timestamptz	NOT NULL DEFAULT now(),
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	-- A sealed value is longer than its 29 bytes of overhead and starts
	-- with the key version: catches a plaintext token stored by mistake.
	CONSTRAINT tesla_tokens_refresh_sealed CHECK (
	    octet_length(refresh_token_enc) > 29
	    AND get_byte(refresh_token_enc, 0) = key_version),
	CONSTRAINT tesla_tokens_access_sealed CHECK (
	    access_token_enc IS NULL
	    OR (octet_length(access_token_enc) > 29
		AND get_byte(access_token_enc, 0) = key_version)),
	CONSTRAINT tesla_tokens_access_expiry CHECK (
	    access_token_enc IS NULL OR expires_at IS NOT NULL)
);

COMMENT ON TABLE tesla_tokens IS
    'Tesla OAuth tokens sealed with AES-256-GCM (lib/crypto.h).  Refresh '
    'tokens are single use: refresh under SELECT ... FOR UPDATE and store '
    'the new refresh token before using the new access token.';
COMMENT ON COLUMN tesla_tokens.refresh_token_enc IS
    'Sealed refresh token: version(1) | iv(12) | ciphertext | tag(16); '
    'AAD "tesla_tokens|refresh_token|<account_id>|<key_version>".';
COMMENT ON COLUMN tesla_tokens.access_token_enc IS
    'Sealed access token, same format, AAD '
    '"tesla_tokens|access_token|<account_id>|<key_version>".';
COMMENT ON COLUMN tesla_tokens.key_version IS
    'Version of ENCRYPTION_KEY both values are sealed under (0..255, the '
    'first byte of each sealed value).';
COMMENT ON COLUMN tesla_tokens.region IS
    'Fleet API region (na, eu, cn) from /api/1/users/region; a 421 means '
    'look it up again.';
COMMENT ON COLUMN tesla_tokens.scopes IS 'Granted scopes (the JWT scp claim).';
COMMENT ON COLUMN tesla_tokens.expires_at IS 'Expiry of the access token.';
COMMENT ON COLUMN tesla_tokens.refresh_expires_at IS
    'Expiry of the refresh token (about 3 months after issue).';
COMMENT ON COLUMN tesla_tokens.rate_limited_until IS
    'Do not call Tesla for this account before this instant (429 Retry-After).';
COMMENT ON COLUMN tesla_tokens.last_error IS
    'Last refresh or API error, for the status page.  Never contains a token.';
COMMENT ON COLUMN tesla_tokens.needs_login IS
    'Refresh failed with login_required: the owner must sign in to Tesla again.';

CREATE TRIGGER tesla_tokens_updated_at BEFORE UPDATE ON tesla_tokens
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

-- Per-account settings (units, polling budget, ...), one JSON value per key.
CREATE TABLE settings (
	account_id	uuid		NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	key		text		NOT NULL CHECK (key ~ '^[a-z][a-z0-9_.]{0,63}$'),
	value		jsonb		NOT NULL,
	updated_at	timestamptz	NOT NULL DEFAULT now(),
	PRIMARY KEY (account_id, key)
);

COMMENT ON TABLE settings IS
    'Per-account settings, e.g. units = "metric"|"imperial", '
    'fleet_api_monthly_budget_usd = 10.';

CREATE TRIGGER settings_updated_at BEFORE UPDATE ON settings
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION tessie_touch_updated_at();

-- The Tesla login (authorization code with PKCE): the code_verifier must
-- reach the callback, which may be served by another worker.  It is kept
-- sealed like the tokens (AAD "oauth_states|code_verifier|<state hash>|<v>").
ALTER TABLE oauth_states ADD COLUMN code_verifier_enc bytea
    CHECK (octet_length(code_verifier_enc) > 29);
COMMENT ON COLUMN oauth_states.code_verifier_enc IS
    'PKCE code_verifier sealed with AES-256-GCM (lib/crypto.h).';

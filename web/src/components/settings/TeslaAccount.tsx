// The Tesla account: connection status, this month's Fleet API spend against
// the budget (GET /api/auth/status), the OAuth start and a refresh-token form.
import { useState } from 'react';
import { useTeslaMutations, useTeslaStatus } from '../../hooks/settings';
import { spendShare } from '../../lib/adminForms';
import { formatDateTime, formatNumber } from '../../lib/format';
import { ActionError, ErrorState, Loading } from '../ui/States';
import { Field } from './Field';

const usd = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `$${formatNumber(v, 2)}` : '—');

export function TeslaAccount() {
  const status = useTeslaStatus();
  const t = useTeslaMutations();
  const [token, setToken] = useState('');
  const [region, setRegion] = useState('');
  const [tokenErr, setTokenErr] = useState<string | null>(null);
  const s = status.data;
  const spend = spendShare(s?.month_spend_usd, s?.month_budget_usd);
  // Back from Tesla: the callback lands on /?tesla=connected|denied|error.
  const outcome = new URLSearchParams(window.location.search).get('tesla');

  const connect = () =>
    t.start.mutate(undefined, {
      onSuccess: (r) => {
        if (r.authorize_url) window.location.assign(r.authorize_url);
      },
    });
  const store = (e: React.FormEvent) => {
    e.preventDefault();
    const v = token.trim();
    const err =
      v.length < 16 ? 'Paste the whole refresh token (at least 16 characters).' : /\s/.test(v) ? 'The token has no spaces or line breaks.' : null;
    setTokenErr(err);
    if (err) return;
    t.storeToken.mutate({ refresh_token: v, ...(region ? { region } : {}) }, { onSuccess: () => setToken('') });
  };

  return (
    <section className="card panel" aria-labelledby="tesla-title" data-testid="tesla-account">
      <h2 id="tesla-title">Tesla account</h2>
      {outcome === 'connected' && <p className="notice">Your Tesla account is connected.</p>}
      {outcome === 'denied' && <p className="alert">The Tesla login was cancelled; nothing changed.</p>}
      {outcome === 'error' && <p className="alert">The Tesla login did not complete. Please try again.</p>}
      {status.isPending ? (
        <Loading inline label="Loading the account status…" />
      ) : status.isError ? (
        <ErrorState title="Could not load the account status." error={status.error} onRetry={() => void status.refetch()} />
      ) : (
        <>
          <dl className="stats">
            <div>
              <dt>Status</dt>
              <dd data-testid="tesla-connected">
                {s!.connected ? 'Connected' : s!.needs_login ? 'Needs a new login' : 'Not connected'}
                {s!.region ? ` (${s!.region.toUpperCase()})` : ''}
              </dd>
            </div>
            <div>
              <dt>Token refreshed</dt>
              <dd>{s!.last_refresh_at ? formatDateTime(s!.last_refresh_at) : '—'}</dd>
            </div>
            <div className="span-2">
              <dt>Fleet API this month</dt>
              <dd data-testid="fleet-spend">
                {usd(s!.month_spend_usd)} of {usd(s!.month_budget_usd)} budget · {formatNumber(s!.month_calls)} call
                {s!.month_calls === 1 ? '' : 's'}
              </dd>
            </div>
          </dl>
          {spend.share !== null && (
            <div
              className={`bar${spend.level === 'over' ? ' low' : spend.level === 'mid' ? ' mid' : ''}`}
              role="meter"
              aria-label="Fleet API spend against the monthly budget"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(Math.min(1, spend.share) * 100)}
              aria-valuetext={`${formatNumber(spend.share * 100)}% of the budget`}
            >
              <span style={{ width: `${Math.min(100, spend.share * 100)}%` }} />
            </div>
          )}
          {spend.level === 'over' && <p className="alert">The monthly Fleet API budget is used up: syncing slows down until next month.</p>}
          {s!.rate_limited_until && Date.parse(s!.rate_limited_until) > Date.now() && (
            <p className="alert">Tesla is rate-limiting this account until {formatDateTime(s!.rate_limited_until)}.</p>
          )}
          {s!.last_error && <p className="muted small">Last error from Tesla: {s!.last_error}</p>}
        </>
      )}

      <div className="form-actions">
        <button type="button" className="primary" onClick={connect} disabled={t.start.isPending}>
          {t.start.isPending ? 'Opening Tesla…' : s?.connected ? 'Log in to Tesla again' : 'Connect with Tesla'}
        </button>
        {s?.connected && (
          <button type="button" className="secondary" onClick={() => t.forget.mutate()} disabled={t.forget.isPending}>
            {t.forget.isPending ? 'Disconnecting…' : 'Disconnect'}
          </button>
        )}
      </div>
      <ActionError failed={t.start.isError} error={t.start.error} />
      <ActionError failed={t.forget.isError} error={t.forget.error} />

      <details className="details">
        <summary>Or paste a refresh token</summary>
        <form className="form" onSubmit={store} noValidate aria-label="Store a Tesla refresh token">
          <Field id="tesla-token" label="Refresh token" error={tokenErr} hint="Stored encrypted; never shown again.">
            <input type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} />
          </Field>
          <Field id="tesla-region" label="Region">
            <select value={region} onChange={(e) => setRegion(e.target.value)}>
              <option value="">From the token</option>
              <option value="na">North America, Asia-Pacific</option>
              <option value="eu">Europe, Middle East, Africa</option>
              <option value="cn">China</option>
            </select>
          </Field>
          <div className="form-actions">
            <button type="submit" className="primary" disabled={t.storeToken.isPending}>
              {t.storeToken.isPending ? 'Saving…' : 'Save token'}
            </button>
          </div>
          {t.storeToken.isSuccess && <p className="notice">Token saved: the account is connected.</p>}
          <ActionError failed={t.storeToken.isError} error={t.storeToken.error} />
        </form>
      </details>
    </section>
  );
}

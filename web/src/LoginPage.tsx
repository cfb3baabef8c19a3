import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, login } from './api';
import { useSession } from './stores/session';

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429) {
      const s = err.retryAfter;
      const says = /\d+ second/.test(err.message);
      const wait = says ? '' : s !== null ? ` Try again in ${s} second${s === 1 ? '' : 's'}.` : ' Please wait a moment.';
      return `Sign-in is paused after too many attempts: ${err.message}.${wait}`;
    }
    if (err.status === 401) return `Sign-in failed: ${err.message}. Check the password and try again.`;
    return err.message;
  }
  return 'Something went wrong. Please try again.';
}

export function LoginPage() {
  const notice = useSession((s) => s.notice);
  const signedIn = useSession((s) => s.signedIn);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Tessie Stats';
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || password === '') return;
    setBusy(true);
    setError(null);
    try {
      const session = await login(password);
      setPassword('');
      signedIn(session);
    } catch (err) {
      setError(describe(err));
      setBusy(false);
      inputRef.current?.select();
      inputRef.current?.focus();
    }
  }

  return (
    <main className="login">
      <form className="panel login-panel" onSubmit={submit} noValidate aria-labelledby="login-title">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">T</span>
          <h1 id="login-title">Tessie Stats</h1>
        </div>
        <p className="muted">Sign in to see your cars and home energy.</p>

        {notice && !error && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p className="alert" role="alert" id="login-error">
            {error}
          </p>
        )}

        <label htmlFor="password">Password</label>
        <input
          ref={inputRef}
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          autoFocus
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'login-error' : undefined}
          disabled={busy}
        />
        <button type="submit" className="primary" disabled={busy || password === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

// The login token lives in sessionStorage: it is gone when the tab closes,
// and it is never sent anywhere but this origin's /api.

const TOKEN_KEY = 'tessie.token';
const EXPIRES_KEY = 'tessie.expires_at';

export interface Session {
  token: string;
  expiresAt: string | null;
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled (privacy mode): stay signed out
  }
}

export function loadSession(): Session | null {
  const s = storage();
  const token = s?.getItem(TOKEN_KEY);
  if (!s || !token) return null;
  const expiresAt = s.getItem(EXPIRES_KEY);
  if (expiresAt) {
    const t = Date.parse(expiresAt);
    if (!Number.isNaN(t) && t <= Date.now()) {
      clearSession();
      return null;
    }
  }
  return { token, expiresAt };
}

export function saveSession(session: Session): void {
  const s = storage();
  if (!s) return;
  s.setItem(TOKEN_KEY, session.token);
  if (session.expiresAt) s.setItem(EXPIRES_KEY, session.expiresAt);
  else s.removeItem(EXPIRES_KEY);
}

export function clearSession(): void {
  const s = storage();
  s?.removeItem(TOKEN_KEY);
  s?.removeItem(EXPIRES_KEY);
}

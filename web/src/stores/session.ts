// Client state of the sign-in (Zustand). The token itself lives in
// sessionStorage (session.ts): gone when the tab closes.
import { create } from 'zustand';
import { clearSession, loadSession, type Session } from '../session';

interface SessionState {
  session: Session | null;
  /** Shown on the login page: why we are there (expired, signed out). */
  notice: string | null;
  signedIn: (s: Session) => void;
  signOut: (notice: string | null) => void;
}

export const useSession = create<SessionState>((set) => ({
  session: loadSession(),
  notice: null,
  signedIn: (session) => set({ session, notice: null }),
  signOut: (notice) => {
    clearSession();
    set({ session: null, notice });
  },
}));

export const EXPIRED_NOTICE = 'Your session has expired. Please sign in again.';

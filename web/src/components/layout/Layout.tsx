import { Suspense, useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { getSettings } from '../../api';
import { browserTimeZone, zoneAbbrev } from '../../lib/format';
import { isUnits } from '../../lib/units';
import { usePrefs, type Theme } from '../../stores/prefs';
import { useSession } from '../../stores/session';
import { Loading } from '../ui/States';

const NAV = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/vehicles', label: 'Vehicles', end: false },
  { to: '/charging', label: 'Charging', end: false },
  { to: '/energy', label: 'Energy', end: false },
  { to: '/drivers', label: 'Drivers', end: false },
  { to: '/settings', label: 'Settings', end: false },
];

const NEXT_THEME: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const THEME_LABEL: Record<Theme, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

/** Loads the account's settings once and mirrors the units into the prefs store. */
export function useSettingsSync() {
  const setUnits = usePrefs((s) => s.setUnits);
  const q = useQuery({ queryKey: ['settings'], queryFn: ({ signal }) => getSettings(signal), staleTime: 5 * 60_000 });
  useEffect(() => {
    if (q.data && isUnits(q.data.units)) setUnits(q.data.units);
  }, [q.data, setUnits]);
  return q;
}

export function Layout() {
  useSettingsSync();
  const theme = usePrefs((s) => s.theme);
  const setTheme = usePrefs((s) => s.setTheme);
  const signOut = useSession((s) => s.signOut);
  const location = useLocation();
  const zone = browserTimeZone();

  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(true);

  useEffect(() => {
    window.scrollTo?.(0, 0);
    // A new page: keyboard and screen-reader users continue in it, not in
    // the link they left (the first page load leaves the focus alone).
    if (firstPath.current) firstPath.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <div className="shell">
      {/* Hash routing: not a plain #main link, which would be taken for a route. */}
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              T
            </span>
            <span className="brand-name">Tessie Stats</span>
          </div>
          <div className="topbar-actions">
            <button
              type="button"
              className="ghost theme-toggle"
              onClick={() => setTheme(NEXT_THEME[theme])}
              title={THEME_LABEL[theme]}
              aria-label={`${THEME_LABEL[theme]} (change)`}
            >
              {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
            </button>
            <button type="button" className="secondary" onClick={() => signOut('You have signed out.')}>
              Sign out
            </button>
          </div>
        </div>
        <nav className="nav" aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.end} className={({ isActive }) => (isActive ? 'active' : undefined)}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="content" id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="footer muted small">
        Times are shown in your browser's time zone: {zone} ({zoneAbbrev()}).
      </footer>
    </div>
  );
}

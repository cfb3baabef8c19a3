// UI preferences (Zustand): theme is this browser's choice (localStorage);
// units mirror the account setting (GET/PUT /api/settings).
import { create } from 'zustand';
import type { Units } from '../lib/units';

export type Theme = 'system' | 'light' | 'dark';
const THEME_KEY = 'tessie.theme';

function readTheme(): Theme {
  try {
    const t = window.localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', theme);
}

interface PrefsState {
  theme: Theme;
  units: Units;
  setTheme: (t: Theme) => void;
  setUnits: (u: Units) => void;
}

export const usePrefs = create<PrefsState>((set) => ({
  theme: readTheme(),
  units: 'si',
  setTheme: (theme) => {
    try {
      if (theme === 'system') window.localStorage.removeItem(THEME_KEY);
      else window.localStorage.setItem(THEME_KEY, theme);
    } catch {
      // storage disabled: the choice lasts for this page
    }
    applyTheme(theme);
    set({ theme });
  },
  setUnits: (units) => set({ units }),
}));

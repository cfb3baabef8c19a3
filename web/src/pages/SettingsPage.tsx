import { useEffect, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { putSettings, type Settings } from '../api';
import { useSettingsSync } from '../components/layout/Layout';
import { PlacesCard } from '../components/settings/PlacesCard';
import { SyncCard } from '../components/settings/SyncCard';
import { TariffsCard } from '../components/settings/TariffsCard';
import { TeslaAccount } from '../components/settings/TeslaAccount';
import { ActionError, ErrorState, Loading } from '../components/ui/States';
import { browserTimeZone, formatNumber } from '../lib/format';
import { usePrefs, type Theme } from '../stores/prefs';
import type { Units } from '../lib/units';

export default function SettingsPage() {
  const settings = useSettingsSync();
  const theme = usePrefs((s) => s.theme);
  const setTheme = usePrefs((s) => s.setTheme);
  const setUnits = usePrefs((s) => s.setUnits);
  const qc = useQueryClient();
  // The choice shows at once (the mutation's own state arrives a tick later).
  const [choice, setChoice] = useState<Units | null>(null);
  const save = useMutation({
    mutationFn: (u: Units) => putSettings({ units: u }),
    onSuccess: (s: Settings) => {
      qc.setQueryData(['settings'], s);
      setUnits(s.units);
    },
    onSettled: () => setChoice(null),
  });

  useEffect(() => {
    document.title = 'Settings · Tessie Stats';
  }, []);

  return (
    <>
      <div className="section-head">
        <h1>Settings</h1>
      </div>
      <div className="admin-grid settings-grid">
        <div className="admin-col">
          <TeslaAccount />
          <div className="panel card settings">
            <fieldset>
              <legend>Units</legend>
              {settings.isPending ? (
                <Loading inline />
              ) : settings.isError ? (
                <ErrorState title="Could not load your units setting." error={settings.error} onRetry={() => void settings.refetch()} />
              ) : (
                (['si', 'imperial'] as Units[]).map((u) => (
                  <label key={u} className="radio">
                    <input
                      type="radio"
                      name="units"
                      value={u}
                      checked={(choice ?? settings.data.units) === u}
                      disabled={save.isPending}
                      onChange={() => {
                        setChoice(u);
                        save.mutate(u);
                      }}
                    />
                    {u === 'si' ? 'Metric (km, km/h, °C)' : 'Imperial (mi, mph, °F)'}
                  </label>
                ))
              )}
              <ActionError failed={save.isError} error={save.error} />
              <p className="muted small">Saved for your account: every browser and the API use it.</p>
            </fieldset>
            <fieldset>
              <legend>Theme</legend>
              {(['system', 'light', 'dark'] as Theme[]).map((t) => (
                <label key={t} className="radio">
                  <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} />
                  {t === 'system' ? 'Same as the device' : t === 'light' ? 'Light' : 'Dark'}
                </label>
              ))}
              <p className="muted small">Saved in this browser.</p>
            </fieldset>
            <p className="muted small">
              Times are shown in {browserTimeZone()}.
              {settings.data && <> Fleet API budget: ${formatNumber(settings.data.fleet_api_monthly_budget_usd, 2)} a month.</>}
            </p>
          </div>
        </div>
        <div className="admin-col">
          <PlacesCard />
          <TariffsCard />
        </div>
      </div>
      <SyncCard />
    </>
  );
}

// Places: named circles that drives and charges are matched to, each with an
// optional tariff.
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api';
import { usePlaceMutations, usePlaceRows, useTariffs, type PlaceRow } from '../../hooks/settings';
import { buildPlaceInput, type Errors, type PlaceForm } from '../../lib/adminForms';
import { formatNumber } from '../../lib/format';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Empty, ErrorState, Loading } from '../ui/States';
import { Field } from './Field';

const EMPTY: PlaceForm = { name: '', latitude: '', longitude: '', radius: '150', tariffId: '' };

function placeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'name_taken') return 'A place with this name exists already.';
    if (e.code === 'unknown_tariff') return 'That tariff no longer exists. Pick another.';
  }
  return errorMessage(e);
}

export function PlacesCard() {
  const places = usePlaceRows();
  const tariffs = useTariffs();
  const m = usePlaceMutations();
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [form, setForm] = useState<PlaceForm>(EMPTY);
  const [errors, setErrors] = useState<Errors<string>>({});
  const [doomed, setDoomed] = useState<PlaceRow | null>(null);
  const tariffName = (id: string | null) => (id ? (tariffs.data?.find((t) => t.id === id)?.name ?? 'Unknown tariff') : null);

  const open = (p: PlaceRow | null) => {
    m.save.reset();
    setErrors({});
    setEditing(p ? p.id : 'new');
    setForm(
      p
        ? { name: p.name, latitude: String(p.latitude), longitude: String(p.longitude), radius: String(p.radius_m), tariffId: p.tariff_id ?? '' }
        : EMPTY,
    );
  };
  const useHere = () =>
    navigator.geolocation?.getCurrentPosition(
      (pos) =>
        setForm((f) => ({ ...f, latitude: pos.coords.latitude.toFixed(5), longitude: pos.coords.longitude.toFixed(5) })),
      () => setErrors((e) => ({ ...e, latitude: 'The browser could not tell where you are.' })),
    );
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const r = buildPlaceInput(form);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    m.save.mutate({ id: editing === 'new' ? undefined : (editing ?? undefined), body: r.value }, { onSuccess: () => setEditing(null) });
  };
  const set = <K extends keyof PlaceForm>(k: K, v: string) => setForm((f) => ({ ...f, [k]: v }));

  const formEl = (
    <form className="form" onSubmit={submit} noValidate aria-label={editing === 'new' ? 'New place' : 'Edit place'}>
      <div className="form-grid">
        <Field id="place-name" label="Name" error={errors.name}>
          <input value={form.name} maxLength={100} onChange={(e) => set('name', e.target.value)} placeholder="Home" />
        </Field>
        <Field id="place-radius" label="Radius (m)" error={errors.radius}>
          <input inputMode="decimal" value={form.radius} onChange={(e) => set('radius', e.target.value)} />
        </Field>
        <Field id="place-lat" label="Latitude" error={errors.latitude}>
          <input inputMode="decimal" value={form.latitude} onChange={(e) => set('latitude', e.target.value)} placeholder="52.52" />
        </Field>
        <Field id="place-lon" label="Longitude" error={errors.longitude}>
          <input inputMode="decimal" value={form.longitude} onChange={(e) => set('longitude', e.target.value)} placeholder="13.405" />
        </Field>
        <Field id="place-tariff" label="Tariff (optional)" hint="Prices charging at this place.">
          <select value={form.tariffId} onChange={(e) => set('tariffId', e.target.value)}>
            <option value="">No tariff</option>
            {(tariffs.data ?? []).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {m.save.isError && (
        <p className="alert" role="alert">
          {placeError(m.save.error)}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={m.save.isPending}>
          {m.save.isPending ? 'Saving…' : 'Save place'}
        </button>
        {'geolocation' in navigator && (
          <button type="button" className="secondary" onClick={useHere}>
            Use my location
          </button>
        )}
        <button type="button" className="secondary" onClick={() => setEditing(null)}>
          Cancel
        </button>
      </div>
    </form>
  );

  return (
    <section className="card panel" aria-labelledby="places-title" data-testid="places-card">
      <div className="card-head">
        <h2 id="places-title">Places</h2>
        {editing !== 'new' && (
          <button type="button" className="secondary" onClick={() => open(null)}>
            Add place
          </button>
        )}
      </div>
      {editing === 'new' && formEl}
      {places.isPending ? (
        <Loading inline label="Loading places…" />
      ) : places.isError ? (
        <ErrorState title="Could not load the places." error={places.error} onRetry={() => void places.refetch()} />
      ) : places.data.length === 0 ? (
        <Empty title="No places yet">Add Home or Work: drives and charges are then named by where they happen.</Empty>
      ) : (
        <ul className="rows">
          {places.data.map((p) =>
            editing === p.id ? (
              <li key={p.id} className="row">
                {formEl}
              </li>
            ) : (
              <li key={p.id} className="row" data-testid="place-row">
                <div className="row-main">
                  <strong>{p.name}</strong>
                  <span className="muted small">
                    {formatNumber(p.latitude, 5)}, {formatNumber(p.longitude, 5)} · {formatNumber(p.radius_m)} m
                    {tariffName(p.tariff_id) ? ` · ${tariffName(p.tariff_id)}` : ''}
                  </span>
                </div>
                <div className="row-actions">
                  <button type="button" className="ghost" aria-label={`Edit ${p.name}`} onClick={() => open(p)}>
                    Edit
                  </button>
                  <button type="button" className="ghost" aria-label={`Delete ${p.name}`} onClick={() => setDoomed(p)}>
                    Delete
                  </button>
                </div>
              </li>
            ),
          )}
        </ul>
      )}
      {m.remove.isError && (
        <p className="alert" role="alert">
          {errorMessage(m.remove.error)}
        </p>
      )}
      <ConfirmDialog
        open={!!doomed}
        title={`Delete ${doomed?.name ?? 'place'}?`}
        confirmLabel="Delete place"
        busy={m.remove.isPending}
        onCancel={() => setDoomed(null)}
        onConfirm={() => doomed && m.remove.mutate(doomed.id, { onSettled: () => setDoomed(null) })}
      >
        <p>Drives and charges there lose the name, and rules for this place are deleted with it.</p>
      </ConfirmDialog>
    </section>
  );
}

// Places: named circles that drives and charges are matched to, each with an
// optional tariff.
import { ApiError, errorMessage } from '../../api';
import { usePlaceMutations, usePlaceRows, useTariffs, type PlaceRow } from '../../hooks/settings';
import { buildPlaceInput, type PlaceForm } from '../../lib/adminForms';
import { formatNumber } from '../../lib/format';
import { Empty } from '../ui/States';
import { EditableListCard, useEditor } from './EditableListCard';
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
  const ed = useEditor({
    blank: EMPTY,
    toForm: (p: PlaceRow) => ({
      name: p.name,
      latitude: String(p.latitude),
      longitude: String(p.longitude),
      radius: String(p.radius_m),
      tariffId: p.tariff_id ?? '',
    }),
    build: buildPlaceInput,
    save: m.save,
  });
  const { form, set, errors } = ed;
  const tariffName = (id: string | null) => (id ? (tariffs.data?.find((t) => t.id === id)?.name ?? 'Unknown tariff') : null);

  const useHere = () =>
    navigator.geolocation?.getCurrentPosition(
      (pos) =>
        ed.setForm((f) => ({ ...f, latitude: pos.coords.latitude.toFixed(5), longitude: pos.coords.longitude.toFixed(5) })),
      () => ed.setErrors((e) => ({ ...e, latitude: 'The browser could not tell where you are.' })),
    );

  return (
    <EditableListCard
      noun="place"
      plural="places"
      query={places}
      editor={ed}
      remove={m.remove}
      errorText={placeError}
      empty={<Empty title="No places yet">Add Home or Work: drives and charges are then named by where they happen.</Empty>}
      row={(p) => (
        <>
          <strong>{p.name}</strong>
          <span className="muted small">
            {formatNumber(p.latitude, 5)}, {formatNumber(p.longitude, 5)} · {formatNumber(p.radius_m)} m
            {tariffName(p.tariff_id) ? ` · ${tariffName(p.tariff_id)}` : ''}
          </span>
        </>
      )}
      fields={
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
      }
      actions={
        'geolocation' in navigator && (
          <button type="button" className="secondary" onClick={useHere}>
            Use my location
          </button>
        )
      }
      confirm={<p>Drives and charges there lose the name, and rules for this place are deleted with it.</p>}
    />
  );
}

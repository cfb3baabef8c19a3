// Tariffs: flat (per kWh, per minute, session fee) or time of use (periods by
// weekday and time, a default price). Tesla's imported tariffs are read-only.
import { ApiError, errorMessage } from '../../api';
import { useTariffMutations, useTariffs, type Tariff } from '../../hooks/settings';
import { buildTariffInput, describeTariff, EMPTY_TARIFF, tariffToForm, type TouPeriodForm } from '../../lib/adminForms';
import { Empty } from '../ui/States';
import { EditableListCard, useEditor } from './EditableListCard';
import { Field, WeekdayPicker } from './Field';

function tariffError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'name_taken') return 'A tariff with this name exists already.';
    if (e.code === 'overlapping_periods') return `Two periods overlap: ${e.message}.`;
    if (e.code === 'invalid_period') return `A period is not valid: ${e.message}.`;
    if (e.code === 'read_only') return 'This tariff comes from Tesla and cannot be changed here.';
  }
  return errorMessage(e);
}

export function TariffsCard() {
  const tariffs = useTariffs();
  const m = useTariffMutations();
  const ed = useEditor({ blank: EMPTY_TARIFF, toForm: (t: Tariff) => tariffToForm(t), build: buildTariffInput, save: m.save });
  const { form, set, errors } = ed;
  const setPeriod = (i: number, p: Partial<TouPeriodForm>) =>
    ed.setForm((f) => ({ ...f, periods: f.periods.map((x, j) => (j === i ? { ...x, ...p } : x)) }));

  return (
    <EditableListCard
      noun="tariff"
      plural="tariffs"
      query={tariffs}
      editor={ed}
      remove={m.remove}
      errorText={tariffError}
      empty={<Empty title="No tariffs yet">Add your electricity price to see what charging costs.</Empty>}
      row={(t) => (
        <>
          <span>
            <strong>{t.name}</strong>
            {t.source === 'tesla' && <span className="badge small-badge">From Tesla</span>}
          </span>
          <span className="muted small">{describeTariff(t)}</span>
        </>
      )}
      readOnly={(t) => t.source === 'tesla'}
      fields={
        <>
          <div className="form-grid">
            <Field id="tariff-name" label="Name" error={errors.name}>
              <input value={form.name} maxLength={100} onChange={(e) => set('name', e.target.value)} placeholder="Home flat rate" />
            </Field>
            <Field id="tariff-currency" label="Currency" error={errors.currency}>
              <input value={form.currency} maxLength={3} autoCapitalize="characters" onChange={(e) => set('currency', e.target.value.toUpperCase())} />
            </Field>
          </div>
          <fieldset className="field">
            <legend>Kind</legend>
            <div className="checks">
              <label className="radio">
                <input type="radio" name="tariff-kind" checked={form.kind === 'flat'} onChange={() => set('kind', 'flat')} /> Flat
              </label>
              <label className="radio">
                <input type="radio" name="tariff-kind" checked={form.kind === 'tou'} onChange={() => set('kind', 'tou')} /> Time of use
              </label>
            </div>
          </fieldset>
          {form.kind === 'flat' ? (
            <div className="form-grid">
              <Field id="tariff-kwh" label={`Per kWh (${form.currency || '…'})`} error={errors.perKwh}>
                <input inputMode="decimal" value={form.perKwh} onChange={(e) => set('perKwh', e.target.value)} placeholder="0.30" />
              </Field>
              <Field id="tariff-min" label="Per minute (optional)" error={errors.perMinute}>
                <input inputMode="decimal" value={form.perMinute} onChange={(e) => set('perMinute', e.target.value)} />
              </Field>
              <Field id="tariff-fee" label="Session fee (optional)" error={errors.sessionFee}>
                <input inputMode="decimal" value={form.sessionFee} onChange={(e) => set('sessionFee', e.target.value)} />
              </Field>
            </div>
          ) : (
            <>
              <Field id="tariff-default" label={`Price outside the periods, per kWh (${form.currency || '…'})`} error={errors.defaultPerKwh}>
                <input inputMode="decimal" value={form.defaultPerKwh} onChange={(e) => set('defaultPerKwh', e.target.value)} placeholder="0.32" />
              </Field>
              {form.periods.map((p, i) => (
                <fieldset key={i} className="period" aria-describedby={errors[`period.${i}`] ? `period-${i}-error` : undefined}>
                  <legend>Period {i + 1}</legend>
                  <WeekdayPicker legend="Days" idPrefix={`period-${i}-days`} value={p.days} onChange={(d) => setPeriod(i, { days: d })} />
                  <div className="form-grid">
                    <Field id={`period-${i}-from`} label="From">
                      <input type="time" value={p.from} onChange={(e) => setPeriod(i, { from: e.target.value })} />
                    </Field>
                    <Field id={`period-${i}-to`} label="To (24:00 = midnight)">
                      <input value={p.to} inputMode="numeric" placeholder="06:00" onChange={(e) => setPeriod(i, { to: e.target.value })} />
                    </Field>
                    <Field id={`period-${i}-kwh`} label="Per kWh">
                      <input inputMode="decimal" value={p.perKwh} onChange={(e) => setPeriod(i, { perKwh: e.target.value })} placeholder="0.18" />
                    </Field>
                  </div>
                  {errors[`period.${i}`] && (
                    <span id={`period-${i}-error`} className="field-error small">
                      {errors[`period.${i}`]}
                    </span>
                  )}
                  {form.periods.length > 1 && (
                    <button type="button" className="ghost" onClick={() => set('periods', form.periods.filter((_, j) => j !== i))}>
                      Remove period {i + 1}
                    </button>
                  )}
                </fieldset>
              ))}
              {errors.periods && <span className="field-error small">{errors.periods}</span>}
              <div>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => set('periods', [...form.periods, { days: [1, 2, 3, 4, 5], from: '', to: '', perKwh: '' }])}
                >
                  Add period
                </button>
              </div>
            </>
          )}
        </>
      }
      confirm={<p>Places and energy sites using it are left without a tariff. Costs already computed stay.</p>}
    />
  );
}

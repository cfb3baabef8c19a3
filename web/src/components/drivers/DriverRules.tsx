// A driver's attribution rules: the list (with delete) and the add form.
import { useState } from 'react';
import { ApiError, errorMessage, type Place, type Vehicle } from '../../api';
import { useDriverMutations, useDriverRules, type DriverRule } from '../../hooks/drivers';
import {
  buildRuleInput,
  describeWeekdays,
  describeWindow,
  EMPTY_RULE,
  ruleErrorMessage,
  type Errors,
  type RuleForm,
} from '../../lib/adminForms';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ActionError, Empty, ErrorState, Loading } from '../ui/States';
import { Field, WeekdayPicker } from '../settings/Field';

function apiRuleError(e: unknown): string {
  if (e instanceof ApiError && e.status >= 400 && e.status < 500) return ruleErrorMessage(e.code, e.message);
  return errorMessage(e);
}

export function DriverRules({
  driverId,
  driverName,
  vehicles,
  places,
}: {
  driverId: string;
  driverName: string;
  vehicles: Vehicle[];
  places: Place[];
}) {
  const rules = useDriverRules(driverId);
  const m = useDriverMutations();
  const [form, setForm] = useState<RuleForm>(EMPTY_RULE);
  const [errors, setErrors] = useState<Errors<string>>({});
  const [open, setOpen] = useState(false);
  const [doomed, setDoomed] = useState<DriverRule | null>(null);
  const vName = (id?: string | null) =>
    id ? (vehicles.find((v) => v.id === id)?.display_name ?? 'A vehicle no longer listed') : 'Any vehicle';
  const pName = (id?: string | null) => (id ? (places.find((p) => p.id === id)?.name ?? 'A deleted place') : 'Anywhere');

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const r = buildRuleInput(form);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    m.addRule.mutate(
      { driverId, rule: r.value },
      {
        onSuccess: () => {
          setForm(EMPTY_RULE);
          setOpen(false);
        },
      },
    );
  };
  const set = <K extends keyof RuleForm>(k: K, v: RuleForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const id = (s: string) => `rule-${driverId.slice(0, 8)}-${s}`;

  return (
    <section className="card panel" aria-labelledby={id('title')} data-testid="driver-rules">
      <div className="card-head">
        <h2 id={id('title')}>Attribution rules</h2>
        {!open && (
          <button type="button" className="secondary" onClick={() => setOpen(true)}>
            Add rule
          </button>
        )}
      </div>
      <p className="muted small">
        A drive goes to the driver whose enabled matching rule sets the most criteria (vehicle, place, window,
        weekdays); ties go to the lowest priority number. Drives you attributed by hand are left alone.
      </p>
      {rules.isPending ? (
        <Loading inline label="Loading rules…" />
      ) : rules.isError ? (
        <ErrorState title="Could not load the rules." error={rules.error} onRetry={() => void rules.refetch()} />
      ) : rules.data.length === 0 ? (
        <Empty title={`No rules for ${driverName} yet`}>Add one so that drives are attributed to {driverName}.</Empty>
      ) : (
        <ul className="rows">
          {rules.data.map((r) => (
            <li key={r.id} className="row" data-testid="rule">
              <div className="row-main">
                <span>
                  <strong>{r.name || 'Unnamed rule'}</strong>
                  {!r.enabled && <span className="badge small-badge">Disabled</span>}
                </span>
                <span className="muted small">
                  {vName(r.vehicle_id)} · {pName(r.place_id)} · {describeWeekdays(r.weekdays)} ·{' '}
                  {describeWindow(r.start_time, r.end_time)} · priority {r.priority}
                </span>
              </div>
              <button
                type="button"
                className="ghost"
                aria-label={`Delete rule ${r.name || 'unnamed'}`}
                onClick={() => setDoomed(r)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <ActionError failed={m.removeRule.isError} error={m.removeRule.error} />

      {open && (
        <form className="form" onSubmit={submit} noValidate aria-label="New rule">
          <div className="form-grid">
            <Field id={id('name')} label="Rule name (optional)" error={errors.name}>
              <input value={form.name} maxLength={100} onChange={(e) => set('name', e.target.value)} placeholder="Weekday commute" />
            </Field>
            <Field id={id('vehicle')} label="Vehicle">
              <select value={form.vehicleId} onChange={(e) => set('vehicleId', e.target.value)}>
                <option value="">Any vehicle</option>
                {vehicles.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.display_name ?? v.vin ?? 'Unnamed vehicle'}
                  </option>
                ))}
              </select>
            </Field>
            <Field id={id('place')} label="Starting or ending at" hint={places.length === 0 ? 'Add places under Settings.' : undefined}>
              <select value={form.placeId} onChange={(e) => set('placeId', e.target.value)}>
                <option value="">Anywhere</option>
                {places.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field id={id('priority')} label="Priority" error={errors.priority} hint="Lower wins a tie.">
              <input inputMode="numeric" value={form.priority} onChange={(e) => set('priority', e.target.value)} />
            </Field>
            <Field id={id('start')} label="Window start (optional)" error={errors.startTime}>
              <input type="time" value={form.startTime} onChange={(e) => set('startTime', e.target.value)} />
            </Field>
            <Field id={id('end')} label="Window end" error={errors.endTime} hint="May pass midnight.">
              <input type="time" value={form.endTime} onChange={(e) => set('endTime', e.target.value)} />
            </Field>
          </div>
          <WeekdayPicker
            legend="Weekdays"
            idPrefix={id('days')}
            value={form.weekdays}
            onChange={(d) => set('weekdays', d)}
            error={errors.weekdays}
          />
          <label className="check">
            <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Enabled
          </label>
          <ActionError failed={m.addRule.isError} error={m.addRule.error} text={apiRuleError} testId="rule-error" />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={m.addRule.isPending}>
              {m.addRule.isPending ? 'Saving…' : 'Save rule'}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setOpen(false);
                setErrors({});
                m.addRule.reset();
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      <ConfirmDialog
        open={!!doomed}
        title="Delete this rule?"
        confirmLabel="Delete rule"
        busy={m.removeRule.isPending}
        onCancel={() => setDoomed(null)}
        onConfirm={() =>
          doomed && m.removeRule.mutate({ driverId, ruleId: doomed.id }, { onSettled: () => setDoomed(null) })
        }
      >
        <p>
          “{doomed?.name || 'Unnamed rule'}” stops attributing drives to {driverName}. Drives already attributed keep their
          driver until you re-attribute.
        </p>
      </ConfirmDialog>
    </section>
  );
}

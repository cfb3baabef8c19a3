// Re-attribute drives by the rules, in bulk (POST /api/drives/attribute).
import { useState } from 'react';
import { type Vehicle } from '../../api';
import { useDriverMutations } from '../../hooks/drivers';
import { buildAttributeInput, type AttributeForm, type Errors } from '../../lib/adminForms';
import { formatNumber } from '../../lib/format';
import { Field } from '../settings/Field';
import { ActionError } from '../ui/States';

export function ReattributeCard({ vehicles }: { vehicles: Vehicle[] }) {
  const { attribute } = useDriverMutations();
  const [form, setForm] = useState<AttributeForm>({ vehicleId: '', from: '', to: '' });
  const [errors, setErrors] = useState<Errors<'from' | 'to'>>({});
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const r = buildAttributeInput(form);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    attribute.mutate(r.value);
  };
  return (
    <section className="card panel" aria-labelledby="reattr-title" data-testid="reattribute">
      <h2 id="reattr-title">Re-attribute drives</h2>
      <p className="muted small">
        Applies the current rules to past drives. Drives attributed by hand keep their driver. Leave the dates empty for
        every drive.
      </p>
      <form className="form" onSubmit={submit} noValidate aria-label="Re-attribute drives">
        <div className="form-grid">
          <Field id="reattr-vehicle" label="Vehicle">
            <select value={form.vehicleId} onChange={(e) => setForm({ ...form, vehicleId: e.target.value })}>
              <option value="">All vehicles</option>
              {vehicles.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.display_name ?? v.vin ?? 'Unnamed vehicle'}
                </option>
              ))}
            </select>
          </Field>
          <Field id="reattr-from" label="From (first day)" error={errors.from}>
            <input type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
          </Field>
          <Field id="reattr-to" label="To (last day)" error={errors.to}>
            <input type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
          </Field>
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={attribute.isPending}>
            {attribute.isPending ? 'Re-attributing…' : 'Re-attribute drives'}
          </button>
        </div>
        <div aria-live="polite">
          {attribute.isSuccess && (
            <p className="notice" data-testid="reattr-result">
              {attribute.data.changed === 0
                ? 'Done: no drive changed driver.'
                : `Done: ${formatNumber(attribute.data.changed)} drive${attribute.data.changed === 1 ? '' : 's'} changed driver.`}
            </p>
          )}
        </div>
        <ActionError failed={attribute.isError} error={attribute.error} />
      </form>
    </section>
  );
}

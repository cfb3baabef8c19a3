// Drivers: who drove, by rules. List/add/rename/delete drivers, their
// attribution rules and statistics, and bulk re-attribution.
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, errorMessage } from '../api';
import { DriverRules } from '../components/drivers/DriverRules';
import { DriverStatsCard } from '../components/drivers/DriverStatsCard';
import { ReattributeCard } from '../components/drivers/ReattributeCard';
import { Field } from '../components/settings/Field';
import { ConfirmDialog } from '../components/ui/ConfirmDialog';
import { ActionError, Empty, ErrorState, Loading } from '../components/ui/States';
import { useDriverMutations, useDrivers, type Driver } from '../hooks/drivers';
import { usePlaces, useVehicles } from '../hooks/queries';
import { checkName } from '../lib/adminForms';

function nameError(e: unknown): string {
  if (e instanceof ApiError && e.code === 'name_taken') return 'A driver with this name exists already.';
  return errorMessage(e);
}

export default function DriversPage() {
  const drivers = useDrivers();
  const vehicles = useVehicles();
  const places = usePlaces();
  const m = useDriverMutations();
  const [params, setParams] = useSearchParams();
  const [newName, setNewName] = useState('');
  const [newErr, setNewErr] = useState<string | null>(null);
  const [editing, setEditing] = useState<Driver | null>(null);
  const [editName, setEditName] = useState('');
  const [editErr, setEditErr] = useState<string | null>(null);
  const [doomed, setDoomed] = useState<Driver | null>(null);

  useEffect(() => {
    document.title = 'Drivers · Tessie Stats';
  }, []);

  const list = drivers.data ?? [];
  const selectedId = params.get('driver');
  const selected = list.find((d) => d.id === selectedId) ?? list[0];
  const select = (id: string) => setParams({ driver: id }, { replace: true });

  const add = (e: React.FormEvent) => {
    e.preventDefault();
    const err = checkName(newName);
    setNewErr(err);
    if (err) return;
    m.create.mutate(newName.trim(), {
      onSuccess: (d) => {
        setNewName('');
        select(d.id);
      },
    });
  };
  const rename = (e: React.FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    const err = checkName(editName);
    setEditErr(err);
    if (err) return;
    m.rename.mutate({ id: editing.id, name: editName.trim() }, { onSuccess: () => setEditing(null) });
  };

  const vehicleList = vehicles.data?.data ?? [];
  const placeList = places.data ?? [];

  return (
    <>
      <div className="section-head">
        <h1>Drivers</h1>
      </div>
      <div className="admin-grid">
        <section className="card panel" aria-labelledby="drivers-title">
          <h2 id="drivers-title">People</h2>
          {drivers.isPending ? (
            <Loading inline label="Loading drivers…" />
          ) : drivers.isError ? (
            <ErrorState title="Could not load the drivers." error={drivers.error} onRetry={() => void drivers.refetch()} />
          ) : list.length === 0 ? (
            <Empty title="No drivers yet">Add the people who drive your cars; rules then attribute each drive.</Empty>
          ) : (
            <ul className="rows" aria-label="Drivers">
              {list.map((d) =>
                editing?.id === d.id ? (
                  <li key={d.id} className="row">
                    <form className="inline-form" onSubmit={rename} noValidate aria-label={`Rename ${d.name}`}>
                      <Field id="driver-rename" label="New name" error={editErr ?? (m.rename.isError ? nameError(m.rename.error) : null)}>
                        <input value={editName} maxLength={100} autoFocus onChange={(e) => setEditName(e.target.value)} />
                      </Field>
                      <div className="form-actions">
                        <button type="submit" className="primary" disabled={m.rename.isPending}>
                          {m.rename.isPending ? 'Saving…' : 'Save'}
                        </button>
                        <button type="button" className="secondary" onClick={() => setEditing(null)}>
                          Cancel
                        </button>
                      </div>
                    </form>
                  </li>
                ) : (
                  <li key={d.id} className={`row${selected?.id === d.id ? ' selected' : ''}`} data-testid="driver-row">
                    <button
                      type="button"
                      className="link row-main"
                      aria-current={selected?.id === d.id ? 'true' : undefined}
                      onClick={() => select(d.id)}
                    >
                      {d.name}
                    </button>
                    <div className="row-actions">
                      <button
                        type="button"
                        className="ghost"
                        aria-label={`Rename ${d.name}`}
                        onClick={() => {
                          m.rename.reset();
                          setEditErr(null);
                          setEditName(d.name);
                          setEditing(d);
                        }}
                      >
                        Rename
                      </button>
                      <button type="button" className="ghost" aria-label={`Delete ${d.name}`} onClick={() => setDoomed(d)}>
                        Delete
                      </button>
                    </div>
                  </li>
                ),
              )}
            </ul>
          )}
          <form className="inline-form" onSubmit={add} noValidate aria-label="Add a driver">
            <Field id="driver-new" label="New driver's name" error={newErr ?? (m.create.isError ? nameError(m.create.error) : null)}>
              <input value={newName} maxLength={100} onChange={(e) => setNewName(e.target.value)} placeholder="Alex" />
            </Field>
            <div className="form-actions">
              <button type="submit" className="primary" disabled={m.create.isPending}>
                {m.create.isPending ? 'Adding…' : 'Add driver'}
              </button>
            </div>
          </form>
          <ActionError failed={m.remove.isError} error={m.remove.error} />
        </section>

        <div className="admin-main">
          {selected ? (
            <>
              <h2 className="section-title" data-testid="selected-driver">
                {selected.name}
              </h2>
              <DriverStatsCard key={`s-${selected.id}`} driverId={selected.id} driverName={selected.name} />
              <DriverRules
                key={`r-${selected.id}`}
                driverId={selected.id}
                driverName={selected.name}
                vehicles={vehicleList}
                places={placeList}
              />
            </>
          ) : (
            !drivers.isPending &&
            !drivers.isError && (
              <div className="card panel">
                <Empty title="Pick or add a driver">Their rules and statistics show here.</Empty>
              </div>
            )
          )}
          <ReattributeCard vehicles={vehicleList} />
        </div>
      </div>
      <ConfirmDialog
        open={!!doomed}
        title={`Delete ${doomed?.name ?? 'driver'}?`}
        confirmLabel="Delete driver"
        busy={m.remove.isPending}
        onCancel={() => setDoomed(null)}
        onConfirm={() =>
          doomed &&
          m.remove.mutate(doomed.id, {
            onSettled: () => setDoomed(null),
            onSuccess: () => {
              if (params.get('driver') === doomed.id) setParams({}, { replace: true });
            },
          })
        }
      >
        <p>Their rules go too; their drives keep no driver until you re-attribute or attribute them by hand.</p>
      </ConfirmDialog>
    </>
  );
}

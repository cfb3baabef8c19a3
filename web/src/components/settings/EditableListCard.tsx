// A card that lists named items and edits them in place: its head with the
// "Add …" button, the new item's form on top, the loading, error and empty
// states, the rows (the one being edited shows the form instead), Save and
// Cancel, and delete behind a confirmation. Places and tariffs use it, each
// with its own fields, row text and messages.
//
// The nouns name the rest: noun "place" and plural "places" make the heading
// "Places" (#places-title), data-testid "places-card" and "place-row", the
// forms "New place" and "Edit place", and the buttons "Add place", "Save
// place" and "Delete place".
import { useState, type ReactNode } from 'react';
import type { UseMutationResult, UseQueryResult } from '@tanstack/react-query';
import type { Errors, Result } from '../../lib/adminForms';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ActionError, ErrorState, Loading } from '../ui/States';

interface Item {
  id: string;
  name: string;
}

/** The form's state: the item open in it (or 'new'), its fields and their errors; submit saves through save. */
export function useEditor<T extends Item, F, I>({
  blank,
  toForm,
  build,
  save,
}: {
  blank: F;
  toForm: (item: T) => F;
  build: (form: F) => Result<I, string>;
  save: UseMutationResult<unknown, Error, { id?: string; body: I }>;
}) {
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [form, setForm] = useState<F>(blank);
  const [errors, setErrors] = useState<Errors<string>>({});

  const open = (item: T | null) => {
    save.reset();
    setErrors({});
    setEditing(item ? item.id : 'new');
    setForm(item ? toForm(item) : blank);
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const r = build(form);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    save.mutate({ id: editing === 'new' ? undefined : (editing ?? undefined), body: r.value }, { onSuccess: () => setEditing(null) });
  };
  const set = <K extends keyof F>(k: K, v: F[K]) => setForm((f) => ({ ...f, [k]: v }));
  return { editing, open, close: () => setEditing(null), submit, save, form, setForm, set, errors, setErrors };
}

export function EditableListCard<T extends Item, F, I>({
  noun,
  plural,
  query,
  editor,
  remove,
  errorText,
  empty,
  row,
  readOnly,
  fields,
  actions,
  confirm,
}: {
  noun: string;
  plural: string;
  query: UseQueryResult<T[]>;
  editor: ReturnType<typeof useEditor<T, F, I>>;
  remove: UseMutationResult<unknown, Error, string>;
  /** The message for a failed save or delete. */
  errorText: (e: unknown) => string;
  /** Shown when there are no items: an <Empty>. */
  empty: ReactNode;
  /** A row's text, beside its Edit and Delete buttons. */
  row: (item: T) => ReactNode;
  /** Items listed without Edit and Delete. */
  readOnly?: (item: T) => boolean;
  fields: ReactNode;
  /** More buttons, between Save and Cancel. */
  actions?: ReactNode;
  /** The delete confirmation's text. */
  confirm: ReactNode;
}) {
  const { editing, open, save } = editor;
  const [doomed, setDoomed] = useState<T | null>(null);

  const formEl = (
    <form className="form" onSubmit={editor.submit} noValidate aria-label={editing === 'new' ? `New ${noun}` : `Edit ${noun}`}>
      {fields}
      <ActionError failed={save.isError} error={save.error} text={errorText} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : `Save ${noun}`}
        </button>
        {actions}
        <button type="button" className="secondary" onClick={editor.close}>
          Cancel
        </button>
      </div>
    </form>
  );

  return (
    <section className="card panel" aria-labelledby={`${plural}-title`} data-testid={`${plural}-card`}>
      <div className="card-head">
        <h2 id={`${plural}-title`}>{plural.charAt(0).toUpperCase() + plural.slice(1)}</h2>
        {editing !== 'new' && (
          <button type="button" className="secondary" onClick={() => open(null)}>
            Add {noun}
          </button>
        )}
      </div>
      {editing === 'new' && formEl}
      {query.isPending ? (
        <Loading inline label={`Loading ${plural}…`} />
      ) : query.isError ? (
        <ErrorState title={`Could not load the ${plural}.`} error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        empty
      ) : (
        <ul className="rows">
          {query.data.map((item) =>
            editing === item.id ? (
              <li key={item.id} className="row">
                {formEl}
              </li>
            ) : (
              <li key={item.id} className="row" data-testid={`${noun}-row`}>
                <div className="row-main">{row(item)}</div>
                {!readOnly?.(item) && (
                  <div className="row-actions">
                    <button type="button" className="ghost" aria-label={`Edit ${item.name}`} onClick={() => open(item)}>
                      Edit
                    </button>
                    <button type="button" className="ghost" aria-label={`Delete ${item.name}`} onClick={() => setDoomed(item)}>
                      Delete
                    </button>
                  </div>
                )}
              </li>
            ),
          )}
        </ul>
      )}
      <ActionError failed={remove.isError} error={remove.error} text={errorText} />
      <ConfirmDialog
        open={!!doomed}
        title={`Delete ${doomed?.name ?? noun}?`}
        confirmLabel={`Delete ${noun}`}
        busy={remove.isPending}
        onCancel={() => setDoomed(null)}
        onConfirm={() => doomed && remove.mutate(doomed.id, { onSettled: () => setDoomed(null) })}
      >
        {confirm}
      </ConfirmDialog>
    </section>
  );
}

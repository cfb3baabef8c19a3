// A labelled form field with its hint and error, the error tied to the input
// by aria-describedby (the input itself is the child, with id={id}).
import { cloneElement, isValidElement, type ReactElement, type ReactNode } from 'react';

export function Field({
  id,
  label,
  error,
  hint,
  children,
  className,
}: {
  id: string;
  label: ReactNode;
  error?: string | null;
  hint?: ReactNode;
  children: ReactElement<Record<string, unknown>>;
  className?: string;
}) {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  const input = isValidElement(children)
    ? cloneElement(children, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })
    : children;
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {input}
      {hint && (
        <span id={`${id}-hint`} className="muted small">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error small">
          {error}
        </span>
      )}
    </div>
  );
}

/** Seven weekday checkboxes in a fieldset. */
export function WeekdayPicker({
  legend,
  value,
  onChange,
  error,
  idPrefix,
}: {
  legend: string;
  value: number[];
  onChange: (days: number[]) => void;
  error?: string | null;
  idPrefix: string;
}) {
  const days = [
    [1, 'Mon', 'Monday'],
    [2, 'Tue', 'Tuesday'],
    [3, 'Wed', 'Wednesday'],
    [4, 'Thu', 'Thursday'],
    [5, 'Fri', 'Friday'],
    [6, 'Sat', 'Saturday'],
    [7, 'Sun', 'Sunday'],
  ] as const;
  return (
    <fieldset className="field weekdays" aria-describedby={error ? `${idPrefix}-error` : undefined}>
      <legend>{legend}</legend>
      <div className="checks">
        {days.map(([n, short, long]) => (
          <label key={n} className="check" title={long}>
            <input
              type="checkbox"
              checked={value.includes(n)}
              aria-label={long}
              onChange={(e) => onChange(e.target.checked ? [...value, n].sort((a, b) => a - b) : value.filter((d) => d !== n))}
            />
            <span aria-hidden="true">{short}</span>
          </label>
        ))}
      </div>
      {error && (
        <span id={`${idPrefix}-error`} className="field-error small">
          {error}
        </span>
      )}
    </fieldset>
  );
}

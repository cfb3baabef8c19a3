// Loading, empty and error states: every page and card uses these, so no
// screen is ever blank or broken.
import type { ReactNode } from 'react';
import { errorMessage } from '../../api';
import { isTransient } from '../../lib/retry';

export function Loading({ label = 'Loading…', inline = false }: { label?: string; inline?: boolean }) {
  return (
    <div className={inline ? 'state state-inline' : 'state'} role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span className="muted">{label}</span>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <p className="empty-title">{title}</p>
      {children && <div className="muted small">{children}</div>}
    </div>
  );
}

export function ErrorState({
  error,
  title = 'Could not load this.',
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <div className="alert" role="alert">
      <span>
        <strong>{title}</strong> {errorMessage(error, '')}
        {/* Queries keep trying while the server is down (lib/retry.ts). */}
        {onRetry && isTransient(error) && <> It will try again by itself in a few seconds.</>}
      </span>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Why a change (a mutation) failed, once it has: nothing before. text turns the error into words (errorMessage by default). */
export function ActionError<E>({
  failed,
  error,
  text = (e: E) => errorMessage(e),
  testId,
}: {
  failed: boolean;
  error: E;
  text?: (error: E) => string;
  testId?: string;
}) {
  if (!failed) return null;
  return (
    <p className="alert" role="alert" data-testid={testId}>
      {text(error)}
    </p>
  );
}

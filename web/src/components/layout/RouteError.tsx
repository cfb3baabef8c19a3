import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

/** Shown instead of a broken screen when a page throws or a chunk fails to load. */
export function RouteError() {
  const err = useRouteError();
  const text = isRouteErrorResponse(err)
    ? `${err.status} ${err.statusText}`
    : err instanceof Error
      ? err.message
      : 'Unknown error';
  return (
    <main className="content">
      <div className="alert" role="alert">
        <span>
          <strong>This page failed to load.</strong> {text}
        </span>
        <button type="button" className="secondary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
      <p className="small" style={{ marginTop: '1rem' }}>
        <Link to="/">Back to the dashboard</Link>
      </p>
    </main>
  );
}

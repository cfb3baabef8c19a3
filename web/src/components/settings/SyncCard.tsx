// Sync: every job's last run and schedule, and a trigger that follows the
// queued run through running to done (GET /api/sync/status every 2 s).
import { useState } from 'react';
import { useSyncStatus, useSyncTrigger, type SyncRun } from '../../hooks/settings';
import { allFinished, formatInterval, PHASE_LABEL, runPhase, trackRuns } from '../../lib/adminForms';
import { formatDateTime, formatNumber } from '../../lib/format';
import { ActionError, Empty, ErrorState, Loading } from '../ui/States';

function runSummary(r: SyncRun): string {
  const parts: string[] = [];
  if (typeof r.items_ok === 'number') parts.push(`${formatNumber(r.items_ok)} ok`);
  if (r.items_failed) parts.push(`${formatNumber(r.items_failed)} failed`);
  if (r.api_calls) parts.push(`${formatNumber(r.api_calls)} API call${r.api_calls === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function SyncCard() {
  const [tracked, setTracked] = useState<{ id: string; job: string }[]>([]);
  const [job, setJob] = useState('all');
  // Fast polling only while a run we follow is queued or running.
  const status = useSyncStatus((s) => tracked.length > 0 && !allFinished(trackRuns(tracked, s?.jobs ?? [])));
  const trigger = useSyncTrigger();
  const jobs = status.data?.jobs ?? [];
  const progress = trackRuns(tracked, jobs);
  const done = allFinished(progress);
  const polling = tracked.length > 0 && !done;

  const run = () =>
    trigger.mutate(job, {
      onSuccess: (r) => {
        const runs = 'data' in r && Array.isArray(r.data) ? r.data : [r as SyncRun];
        setTracked(runs.filter((x) => x && x.id !== undefined).map((x) => ({ id: String(x.id), job: x.job })));
      },
    });

  const counts = progress.reduce<Record<string, number>>((a, p) => ((a[p.phase] = (a[p.phase] ?? 0) + 1), a), {});

  return (
    <section className="card panel" aria-labelledby="sync-title" data-testid="sync-card">
      <h2 id="sync-title">Sync</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor="sync-job">Job</label>
          <select id="sync-job" value={job} onChange={(e) => setJob(e.target.value)}>
            <option value="all">All jobs</option>
            {jobs.map((j) => (
              <option key={j.job} value={j.job}>
                {j.job}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="primary" onClick={run} disabled={trigger.isPending || polling}>
          {trigger.isPending ? 'Queueing…' : polling ? 'Sync in progress…' : 'Sync now'}
        </button>
      </div>
      <ActionError failed={trigger.isError} error={trigger.error} />
      <div aria-live="polite" data-testid="sync-progress">
        {progress.length > 0 && (
          <p className="notice">
            {done
              ? `Sync finished: ${Object.entries(counts)
                  .map(([k, v]) => `${v} ${PHASE_LABEL[k as keyof typeof PHASE_LABEL].toLowerCase()}`)
                  .join(', ')}.`
              : `Sync ${counts.running ? 'running' : 'queued'}: ${Object.entries(counts)
                  .map(([k, v]) => `${v} ${PHASE_LABEL[k as keyof typeof PHASE_LABEL].toLowerCase()}`)
                  .join(', ')}. The sync service picks queued runs up within a minute.`}
          </p>
        )}
      </div>
      {status.isPending ? (
        <Loading inline label="Loading the sync status…" />
      ) : status.isError ? (
        <ErrorState title="Could not load the sync status." error={status.error} onRetry={() => void status.refetch()} />
      ) : jobs.length === 0 ? (
        <Empty title="No sync jobs" />
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="sync-jobs">
            <caption className="sr-only">Sync jobs and their last runs</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Last run</th>
                <th scope="col" className="hide-narrow">Finished</th>
                <th scope="col" className="hide-narrow">Every</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => {
                const mine = progress.find((p) => p.job === j.job);
                const pending = j.queued ? 'queued' : j.last_run?.status === 'running' ? 'running' : mine && (mine.phase === 'queued' || mine.phase === 'running') ? mine.phase : null;
                const last = j.last_run && j.last_run.status !== 'running' ? j.last_run : null;
                const lastPhase = last ? runPhase(last.status) : null;
                return (
                  <tr key={j.job} data-testid={`sync-job-${j.job}`}>
                    <th scope="row">{j.job}</th>
                    <td>
                      <div className="run-badges">
                        {pending && <span className={`badge run-${pending}`}>{PHASE_LABEL[pending]}</span>}
                        {lastPhase ? (
                          <span className={`badge run-${lastPhase}`}>
                            {pending ? `Last: ${PHASE_LABEL[lastPhase].toLowerCase()}` : PHASE_LABEL[lastPhase]}
                          </span>
                        ) : (
                          !pending && <span className="muted">Never run</span>
                        )}
                      </div>
                      {last && (runSummary(last) || last.error || last.message) && (
                        <div className="muted small">
                          {[runSummary(last), last.error ?? last.message ?? ''].filter(Boolean).join(' · ')}
                        </div>
                      )}
                      {last?.finished_at && <div className="muted small show-narrow">{formatDateTime(last.finished_at)}</div>}
                    </td>
                    <td className="hide-narrow">
                      {j.last_run?.finished_at ? formatDateTime(j.last_run.finished_at) : '—'}
                    </td>
                    <td className="hide-narrow nowrap">{formatInterval(j.interval_s)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {status.data?.account?.needs_login && <p className="alert">Tesla needs a new login: connect the account above.</p>}
    </section>
  );
}

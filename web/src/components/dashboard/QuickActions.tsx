import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorMessage, triggerSync } from '../../api';

/** "Sync now": queues every sync job (POST /api/sync/trigger {"job":"all"}). */
export function QuickActions() {
  const qc = useQueryClient();
  const sync = useMutation({
    mutationFn: () => triggerSync('all'),
    onSuccess: () => {
      // The jobs run in the background; look again shortly.
      window.setTimeout(() => void qc.invalidateQueries(), 5000);
    },
  });
  const runs = sync.data?.data?.length ?? (sync.data ? 1 : 0);
  const already = sync.data?.already_queued || sync.data?.data?.every((r) => (r as { already_queued?: boolean }).already_queued);
  return (
    <div className="quick-actions">
      <button type="button" className="primary" onClick={() => sync.mutate()} disabled={sync.isPending}>
        {sync.isPending ? 'Queuing…' : 'Sync now'}
      </button>
      {sync.isSuccess && (
        <span className="small notice" role="status">
          {already ? 'A sync is already queued.' : `Sync queued (${runs} job${runs === 1 ? '' : 's'}). Data updates shortly.`}
        </span>
      )}
      {sync.isError && (
        <span className="small alert" role="alert">
          {errorMessage(sync.error)}
        </span>
      )}
    </div>
  );
}

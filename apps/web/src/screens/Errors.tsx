import { useServerList } from '../hooks/useServerList';
import { useStoreRow } from '../hooks/useStoreRow';
import { fetchErrors } from '../lib/api';
import { usePageTitle } from '../hooks/usePageTitle';

/** Owner/manager page: errors the store's devices reported (needs the network). */
export default function Errors() {
  usePageTitle('Reported errors');
  const { dateTime } = useStoreRow();
  const { items, error, reload } = useServerList(fetchErrors, {
    signedOut: 'Sign in again to see reported errors.',
    offline: 'Reported errors need the network.',
  });
  return (
    <section aria-label="Reported errors">
      <div className="toolbar">
        <h1>Reported errors</h1>
        <span className="spacer" />
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
      {items?.length === 0 && <p className="empty">No errors reported.</p>}
      <ul className="errors">
        {(items ?? []).map((e) => (
          <li key={e.id} className="card">
            <div className="row">
              <strong>{e.message}</strong>
              <span className="spacer" />
              <span className="pill">{e.kind}</span>
              <span className="muted">{dateTime(e.createdAt)}</span>
            </div>
            <div className="muted">
              {e.url} · release {e.release ?? '?'} · device {e.deviceId?.slice(0, 8) ?? '?'}
            </div>
            {e.stack && (
              <details>
                <summary>Stack</summary>
                <pre>{e.stack}</pre>
              </details>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useEffect, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useStoreRow } from '../hooks/useStoreRow';
import { fetchErrors, type ReportedError } from '../lib/api';
import { loadSession } from '../lib/session';
import { formatDateTime } from '../lib/time';

/** Owner/manager page: errors the store's devices reported (needs the network). */
export default function Errors() {
  const { device } = useDevice();
  const { timeZone } = useStoreRow();
  const [items, setItems] = useState<ReportedError[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    const token = loadSession()?.accessToken;
    if (!token) return setError('Sign in again to see reported errors.');
    fetchErrors(token, device.storeId)
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((e: unknown) =>
        setError(e instanceof TypeError ? 'Reported errors need the network.' : String(e)),
      );
  };
  useEffect(load, [device.storeId]);
  return (
    <section aria-label="Reported errors">
      <div className="toolbar">
        <h1>Reported errors</h1>
        <span className="spacer" />
        <button type="button" onClick={load}>
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
              <span className="muted">{formatDateTime(e.createdAt, timeZone)}</span>
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

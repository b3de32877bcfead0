import type { StaffRow } from '@mango/domain/entities';
import { formatMoney } from '@mango/domain/money';
import { OFFLINE_SYNC_WINDOW_MS } from '@mango/domain/offline-payments';
import type { AttentionRecord, SyncStatus } from '@mango/sync-client';
import { useEffect, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useStoreRow } from '../hooks/useStoreRow';
import { Dialog } from './Dialog';

function ago(iso: string | null, now: number, clock: (iso: string) => string): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return clock(iso);
}

/** Always visible: connection, pending changes, last sync, items needing attention, who acts. */
export function StatusBar(props: {
  status: SyncStatus | null;
  acting: StaffRow | null;
  onSwitch: () => void;
  onLock: () => void;
  onSignOut: () => void;
}) {
  const { device, session } = useDevice();
  const { clock } = useStoreRow();
  const s = props.status;
  const [now, setNow] = useState(() => Date.now());
  const [attentionOpen, setAttentionOpen] = useState(false);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  const online = s?.online ?? navigator.onLine;
  const pending = s?.pendingCount ?? 0;
  return (
    <div className="statusbar" role="region" aria-label="Sync status">
      <span className={online ? 'pill ok' : 'pill off'} aria-label={online ? 'Online' : 'Offline'}>
        {online ? '● Online' : '○ Offline'}
      </span>
      <span aria-label="Pending changes" className={pending > 0 ? 'pill warn' : 'pill'}>
        {pending === 0
          ? 'All changes synced'
          : `${pending} change${pending === 1 ? '' : 's'} waiting to sync`}
      </span>
      <span className="muted">Last sync {ago(s?.lastSyncAt ?? null, now, clock)}</span>
      {s?.lastError && !s.lastError.retryable && (
        <span className="pill off" title={s.lastError.message}>
          Sync paused: {s.lastError.message}
        </span>
      )}
      {s && s.offlineCardPayments.count > 0 && (
        <OfflineCards totals={s.offlineCardPayments} now={now} />
      )}
      {(s?.attentionCount ?? 0) > 0 && (
        <button type="button" className="pill warn" onClick={() => setAttentionOpen(true)}>
          {s?.attentionCount} need attention
        </button>
      )}
      <span className="spacer" />
      <span aria-label="Acting staff member">
        {props.acting ? props.acting.displayName : session.user.email}
      </span>
      <button type="button" onClick={props.onSwitch}>
        Switch staff
      </button>
      <button type="button" onClick={props.onLock}>
        Lock
      </button>
      <button type="button" onClick={props.onSignOut}>
        Sign out
      </button>
      {attentionOpen && (
        <AttentionList onClose={() => setAttentionOpen(false)} client={device.client} />
      )}
    </div>
  );
}

function timeLeft(ms: number): string {
  if (ms <= 0) return 'sync overdue: connect now';
  const minutes = Math.ceil(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h > 0 ? `${h} h ` : ''}${m} min left to sync`;
}

/**
 * Card payments taken offline that the server has not acknowledged: the salon carries their risk
 * until they sync, and each must reach the server within 24 h of being taken.
 */
function OfflineCards(props: { totals: { count: number; totalCents: number }; now: number }) {
  const { device } = useDevice();
  const { currency } = useStoreRow();
  const { count, totalCents } = props.totals;
  const [oldestTakenAt, setOldestTakenAt] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void device.store.outbox().then((records) => {
      // The outbox is in id order and acknowledged mutations have the lowest ids (they wait there
      // for the confirming pull), so the unsynced offline card payments are the last `count`.
      const cards = records.filter((r) => r.offlineCardCents !== undefined);
      const oldest = cards[Math.max(0, cards.length - count)];
      const takenAt = oldest?.args['takenAt'];
      if (live)
        setOldestTakenAt(typeof takenAt === 'string' ? takenAt : (oldest?.clientTime ?? null));
    });
    return () => {
      live = false;
    };
  }, [device, count, totalCents]);
  // `now` ticks every few seconds: a payment taken since the last tick has the full window.
  const left = oldestTakenAt
    ? Math.min(
        OFFLINE_SYNC_WINDOW_MS,
        Date.parse(oldestTakenAt) + OFFLINE_SYNC_WINDOW_MS - props.now,
      )
    : null;
  return (
    <span
      className={left !== null && left <= 0 ? 'pill off' : 'pill warn'}
      aria-label="Offline card payments"
    >
      {count} offline card payment{count === 1 ? '' : 's'} · {formatMoney(totalCents, currency)}
      {left !== null && ` · ${timeLeft(left)}`}
    </span>
  );
}

function AttentionList(props: {
  onClose: () => void;
  client: ReturnType<typeof useDevice>['device']['client'];
}) {
  const [items, setItems] = useState<AttentionRecord[] | null>(null);
  const load = () => void props.client.attention().then(setItems);
  useEffect(load, [props.client]);
  return (
    <Dialog title="Changes the server refused" onClose={props.onClose} wide>
      <p className="muted">
        These changes were made on this device but the server refused them, so they are not part of
        the store&apos;s records. Check each one and redo it if needed.
      </p>
      {items === null ? (
        <p>Loading…</p>
      ) : items.filter((i) => !i.acknowledgedAt).length === 0 ? (
        <p>Nothing needs attention.</p>
      ) : (
        <ul className="list">
          {items
            .filter((i) => !i.acknowledgedAt)
            .map((i) => (
              <li key={i.mutationId}>
                <div>
                  <strong>{i.name ?? `Change #${i.mutationId}`}</strong> — {i.message}{' '}
                  <span className="muted">({i.code})</span>
                </div>
                <button
                  type="button"
                  onClick={() => void props.client.acknowledge(i.mutationId).then(load)}
                >
                  Acknowledge
                </button>
              </li>
            ))}
        </ul>
      )}
    </Dialog>
  );
}

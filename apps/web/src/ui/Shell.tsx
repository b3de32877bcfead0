import { can, type PermissionName } from '@mango/domain/permissions';
import type { SyncStatus } from '@mango/sync-client';
import {
  lazy,
  Suspense,
  useEffect,
  useRef,
  useState,
  type ComponentType,
  type LazyExoticComponent,
} from 'react';
import { useDevice } from '../hooks/useDevice';
import { useStoreRow } from '../hooks/useStoreRow';
import { newId } from '../lib/ids';
import { navigate, segments, usePath } from '../lib/router';
import { signOut } from '../lib/session';
import { numberForNewTicket } from '../lib/ticket-number';
import { Dialog } from './Dialog';
import { CrashProbe, ErrorBoundary } from './ErrorBoundary';
import { PinSwitch } from './PinSwitch';
import { HydrationBar } from './HydrationBar';
import { StatusBar } from './StatusBar';

// Route-based code splitting (seed plan 2.1): each screen is its own chunk.
const screens: Record<string, LazyExoticComponent<ComponentType<{ params: string[] }>>> = {
  desk: lazy(() => import('../screens/FrontDesk')),
  checkout: lazy(() => import('../screens/Checkout')),
  clients: lazy(() => import('../screens/Clients')),
  history: lazy(() => import('../screens/History')),
  reports: lazy(() => import('../screens/Reports')),
  team: lazy(() => import('../screens/Team')),
  errors: lazy(() => import('../screens/Errors')),
};

/** `anyOf`: shown when the acting role has one of these permissions (absent: everyone). */
const NAV: { key: string; label: string; anyOf?: PermissionName[] }[] = [
  { key: 'desk', label: 'Front desk' },
  { key: 'clients', label: 'Clients' },
  { key: 'history', label: 'History' },
  // Sales reports for managers; the cash drawer close-out lives there too, for the front desk.
  { key: 'reports', label: 'Reports', anyOf: ['reports.view', 'cashDrawer.operate'] },
  { key: 'team', label: 'Team & catalog' },
  { key: 'errors', label: 'Errors', anyOf: ['reports.view'] },
];

export function Shell(props: {
  status: SyncStatus | null;
  onLock: (why?: string) => void;
  onSignedOut: () => void;
  notice: { text: string; kind: 'info' | 'error'; at: number } | null;
}) {
  const { device, mutate, acting, role } = useDevice();
  const path = usePath();
  const [screenKey = 'desk', ...params] = segments(path);
  const Screen = screens[screenKey] ?? screens['desk'];
  const [confirmOut, setConfirmOut] = useState(false);
  const [pinOpen, setPinOpen] = useState(false);
  // On a phone the navigation folds behind a menu button (styles.css hides one or the other).
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  const pending = props.status?.pendingCount ?? 0;
  const { money } = useStoreRow();
  const offlineCards = props.status?.offlineCardPayments ?? { count: 0, totalCents: 0 };
  const offlineNow = props.status?.online === false || !navigator.onLine;

  async function doSignOut() {
    device.close();
    await signOut();
    props.onSignedOut();
  }

  async function newTicket() {
    const id = newId();
    const number = await numberForNewTicket(device);
    if (await mutate('ticket.open', { id, ...(number ? { number } : {}) })) {
      navigate(`/checkout/${id}`);
    }
  }

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand" aria-hidden="true">
          ◐ Mango
        </span>
        <button
          ref={menuButton}
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" className={menuOpen ? 'open' : undefined}>
          {NAV.filter((n) => !n.anyOf || n.anyOf.some((p) => can(role, p))).map((n) => (
            <a
              key={n.key}
              href={`/${n.key}`}
              aria-current={screenKey === n.key ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                setMenuOpen(false);
                navigate(`/${n.key}`);
              }}
            >
              {n.label}
            </a>
          ))}
        </nav>
        {can(role, 'tickets.sell') && (
          <button type="button" className="primary" onClick={() => void newTicket()}>
            New ticket
          </button>
        )}
      </header>
      <StatusBar
        status={props.status}
        acting={acting}
        onSwitch={() => setPinOpen(true)}
        onLock={() => props.onLock()}
        onSignOut={() => (pending > 0 ? setConfirmOut(true) : void doSignOut())}
      />
      {props.status?.hydration.state === 'running' && (
        <HydrationBar hydration={props.status.hydration} />
      )}
      {props.notice && (
        <div
          className={`notice ${props.notice.kind}`}
          role={props.notice.kind === 'error' ? 'alert' : 'status'}
        >
          {props.notice.text}
        </div>
      )}
      <main className="screen">
        <ErrorBoundary screen={screenKey}>
          <CrashProbe screen={screenKey} />
          <Suspense fallback={<p className="loading">Loading…</p>}>
            {Screen && <Screen params={params} />}
          </Suspense>
        </ErrorBoundary>
      </main>
      {pinOpen && <PinSwitch onClose={() => setPinOpen(false)} />}
      {confirmOut && (
        <Dialog title="Sign out with unsynced changes?" onClose={() => setConfirmOut(false)}>
          <p role="alert">
            {pending} change{pending === 1 ? '' : 's'} made on this device{' '}
            {pending === 1 ? 'has' : 'have'} not reached the server yet. They stay on this device
            and are sent after the next sign-in here, but no other device sees them until then.
          </p>
          {offlineCards.count > 0 && (
            <p>
              Among them: {offlineCards.count} card payment{offlineCards.count === 1 ? '' : 's'}{' '}
              taken offline ({money(offlineCards.totalCents)}), charged only once they reach the
              server, which must happen within 24 hours.
            </p>
          )}
          {offlineNow && <p>This device is offline: signing in again will need the network.</p>}
          <div className="row">
            <button type="button" onClick={() => setConfirmOut(false)}>
              Stay signed in
            </button>
            <button type="button" className="danger" onClick={() => void doSignOut()}>
              Sign out anyway
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

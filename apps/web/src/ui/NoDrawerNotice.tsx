import { can } from '@mango/domain/permissions';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { OpenDrawerForm } from './OpenDrawerForm';

/**
 * Cash taken (or given back) while no drawer is open on this device's view is recorded outside
 * every drawer: no close-out counts it. The sale is never refused for it (another device may
 * have opened one; the server files the cash under the drawer open when it applies the
 * payment), so this only warns, and offers whoever may run the drawer to open one here.
 * Renders nothing while a drawer is open, or until the drawers are read.
 */
export function NoDrawerNotice() {
  const { role } = useDevice();
  const open = useLive((r) => r.list('cashDrawer', { where: { status: 'open' } }), []);
  if (open === undefined || open.length > 0) return null;
  return (
    <div className="drawer-warning stack" aria-label="No cash drawer">
      <p role="status">No cash drawer is open: this cash will not be in a drawer’s count.</p>
      {can(role, 'cashDrawer.operate') && <OpenDrawerForm />}
    </div>
  );
}

import type {
  ProductRow,
  Role,
  ServiceRow,
  StaffRow,
  StoreRow,
  WorkingShift,
} from '@mango/domain/entities';
import { pinChangeRefusal } from '@mango/domain/accounts';
import { can, isManager } from '@mango/domain/permissions';
import {
  formatTaxRate,
  parseTaxRatePercent,
  storeTaxRatePpm,
  taxRatePercentText,
} from '@mango/domain/tax-rate';
import { useState, type FormEvent } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useServerList } from '../hooks/useServerList';
import { useSyncStatus } from '../hooks/useSyncStatus';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { fetchDevices, revokeDevice, setPinRemote, type RegisteredDevice } from '../lib/api';
import { newId } from '../lib/ids';
import { refreshPinVerifiers } from '../lib/pins';
import { centsToInput, parseMoney } from '../lib/receipt';
import { loadSession, signOut } from '../lib/session';
import { hhmmToMinutes, minutesToHhmm } from '../lib/time';
import { Dialog } from '../ui/Dialog';
import { OnlineBookingTab } from './team/OnlineBookingTab';
import { SignInsTab } from './team/SignInsTab';
import { StockTab } from './team/StockTab';
import { usePageTitle } from '../hooks/usePageTitle';

const ROLE_LABEL: Record<Role, string> = {
  owner: 'Owner',
  manager: 'Manager',
  front_desk: 'Front desk',
  technician: 'Technician',
};

/** Whether `role` may change staff member `target` (null: add one); only an owner changes managers. */
function mayChangeStaff(role: Role, target: StaffRow | null): boolean {
  if (!can(role, 'staff.manage')) return false;
  return !target || !isManager(target.role) || can(role, 'staff.manageManagers');
}

type TeamTab =
  | 'staff'
  | 'signins'
  | 'services'
  | 'products'
  | 'stock'
  | 'store'
  | 'booking'
  | 'devices'
  | 'device';

export default function Team() {
  usePageTitle('Team & catalog');
  const { role } = useDevice();
  const [tab, setTab] = useState<TeamTab>('staff');
  const tabs: [TeamTab, string][] = [
    ['staff', 'Staff'],
    ...(can(role, 'users.manage') ? [['signins', 'Sign-ins'] as [TeamTab, string]] : []),
    ['services', 'Services'],
    ['products', 'Products'],
    // Stock is the catalog's managers' (receiving deliveries, the rules).
    ...(can(role, 'catalog.manage') ? [['stock', 'Stock'] as [TeamTab, string]] : []),
    ...(can(role, 'store.settings') ? [['store', 'Store settings'] as [TeamTab, string]] : []),
    ...(can(role, 'store.settings') ? [['booking', 'Online booking'] as [TeamTab, string]] : []),
    ...(can(role, 'devices.manage') ? [['devices', 'Devices'] as [TeamTab, string]] : []),
    ['device', 'This device'],
  ];
  return (
    <section aria-label="Team and catalog">
      <div className="toolbar">
        <h1>Team &amp; catalog</h1>
        <div role="tablist" aria-label="Team and catalog" className="tabs">
          {tabs.map(([k, label]) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={tab === k}
              onClick={() => setTab(k)}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      {tab === 'staff' && <StaffTab />}
      {tab === 'signins' && <SignInsTab />}
      {tab === 'services' && <ServicesTab />}
      {tab === 'products' && <ProductsTab />}
      {tab === 'stock' && <StockTab />}
      {tab === 'store' && <StoreTab />}
      {tab === 'booking' && <OnlineBookingTab />}
      {tab === 'devices' && <DevicesTab />}
      {tab === 'device' && <DeviceTab />}
    </section>
  );
}

function StaffTab() {
  const { role, acting } = useDevice();
  const { staff } = useStaff();
  const [editing, setEditing] = useState<StaffRow | 'new' | null>(null);
  const [pinFor, setPinFor] = useState<StaffRow | null>(null);
  const [hoursFor, setHoursFor] = useState<StaffRow | null>(null);
  return (
    <div className="card">
      <div className="row">
        <h2>Staff</h2>
        <span className="spacer" />
        {mayChangeStaff(role, null) && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add staff member
          </button>
        )}
      </div>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th className="num">Commission</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {staff.map((s) => (
            <tr key={s.id}>
              <td>
                <span className="dot" style={{ background: s.color ?? '#f59e0b' }} />{' '}
                {s.displayName}
              </td>
              <td>{ROLE_LABEL[s.role]}</td>
              <td className="num">{((s.commissionBps ?? 0) / 100).toFixed(1)}%</td>
              <td>{s.active ? 'Active' : 'Inactive'}</td>
              <td className="row">
                {mayChangeStaff(role, s) && (
                  <button
                    type="button"
                    aria-label={`Edit ${s.displayName}`}
                    onClick={() => setEditing(s)}
                  >
                    Edit
                  </button>
                )}
                {!pinChangeRefusal({
                  actorRole: role,
                  self: acting?.id === s.id,
                  targetRole: s.role,
                }) && (
                  <button
                    type="button"
                    aria-label={`Set PIN for ${s.displayName}`}
                    onClick={() => setPinFor(s)}
                  >
                    Set PIN
                  </button>
                )}
                {mayChangeStaff(role, s) && (
                  <button
                    type="button"
                    aria-label={`Working hours for ${s.displayName}`}
                    onClick={() => setHoursFor(s)}
                  >
                    Hours
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && (
        <StaffForm existing={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
      {pinFor && <PinDialog staff={pinFor} onClose={() => setPinFor(null)} />}
      {hoursFor && <HoursDialog staff={hoursFor} onClose={() => setHoursFor(null)} />}
    </div>
  );
}

function StaffForm({ existing, onClose }: { existing: StaffRow | null; onClose: () => void }) {
  const { mutate, role: actingRole } = useDevice();
  // Only the owner makes someone a manager or owner.
  const roles = (Object.keys(ROLE_LABEL) as Role[]).filter(
    (r) => !isManager(r) || can(actingRole, 'staff.manageManagers'),
  );
  const [displayName, setName] = useState(existing?.displayName ?? '');
  const [role, setRole] = useState<Role>(existing?.role ?? 'technician');
  const [active, setActive] = useState(existing?.active ?? true);
  const [commission, setCommission] = useState(String((existing?.commissionBps ?? 0) / 100));
  const [color, setColor] = useState(existing?.color ?? '#f59e0b');
  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await mutate('staff.upsert', {
      id: existing?.id ?? newId(),
      displayName: displayName.trim(),
      role,
      active,
      color,
      commissionBps: Math.round(Number(commission || 0) * 100),
    });
    if (ok) onClose();
  }
  return (
    <Dialog title={existing ? 'Edit staff member' : 'Add staff member'} onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <label>
          Name
          <input
            type="text"
            required
            value={displayName}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Commission %
          <input
            type="number"
            min={0}
            max={100}
            step={0.5}
            value={commission}
            onChange={(e) => setCommission(e.target.value)}
          />
        </label>
        <label>
          Colour
          <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />{' '}
          Active
        </label>
        <button type="submit" className="primary">
          Save
        </button>
      </form>
    </Dialog>
  );
}

const WEEK: [number, string][] = [
  [1, 'Monday'],
  [2, 'Tuesday'],
  [3, 'Wednesday'],
  [4, 'Thursday'],
  [5, 'Friday'],
  [6, 'Saturday'],
  [0, 'Sunday'],
];

interface DayHours {
  works: boolean;
  start: string;
  end: string;
}

/** One shift per weekday (the domain allows split shifts; this form edits the common case). */
function HoursDialog({ staff, onClose }: { staff: StaffRow; onClose: () => void }) {
  const { mutate } = useDevice();
  const [days, setDays] = useState<Record<number, DayHours>>(() => {
    const initial: Record<number, DayHours> = {};
    for (const [weekday] of WEEK) {
      const shift = staff.workingHours?.find((s) => s.weekday === weekday);
      initial[weekday] = shift
        ? { works: true, start: minutesToHhmm(shift.startMin), end: minutesToHhmm(shift.endMin) }
        : { works: false, start: '09:00', end: '18:00' };
    }
    return initial;
  });
  const [error, setError] = useState<string | null>(null);
  const setDay = (weekday: number, change: Partial<DayHours>) =>
    setDays((d) => ({ ...d, [weekday]: { ...d[weekday]!, ...change } }));
  async function save(workingHours: WorkingShift[] | null) {
    const ok = await mutate('staff.upsert', {
      id: staff.id,
      displayName: staff.displayName,
      role: staff.role,
      active: staff.active,
      workingHours,
    });
    if (ok) onClose();
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    const shifts = WEEK.flatMap(([weekday]) => {
      const day = days[weekday]!;
      return day.works
        ? [{ weekday, startMin: hhmmToMinutes(day.start), endMin: hhmmToMinutes(day.end) }]
        : [];
    });
    const backwards = shifts.find((s) => s.endMin <= s.startMin);
    if (backwards) {
      const dayName = WEEK.find(([w]) => w === backwards.weekday)?.[1];
      return setError(`${dayName}: the shift must end after it starts.`);
    }
    void save(shifts);
  }
  return (
    <Dialog title={`Working hours for ${staff.displayName}`} onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        {WEEK.map(([weekday, dayName]) => {
          const day = days[weekday]!;
          return (
            <fieldset key={weekday} className="row wrap" aria-label={dayName}>
              <label>
                <input
                  type="checkbox"
                  checked={day.works}
                  onChange={(e) => setDay(weekday, { works: e.target.checked })}
                />{' '}
                Works {dayName}
              </label>
              <label>
                {dayName} start
                <input
                  type="time"
                  step={300}
                  disabled={!day.works}
                  value={day.start}
                  onChange={(e) => setDay(weekday, { start: e.target.value })}
                />
              </label>
              <label>
                {dayName} end
                <input
                  type="time"
                  step={300}
                  disabled={!day.works}
                  value={day.end}
                  onChange={(e) => setDay(weekday, { end: e.target.value })}
                />
              </label>
            </fieldset>
          );
        })}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="row">
          <button type="button" onClick={() => void save(null)}>
            Clear schedule
          </button>
          <button type="submit" className="primary">
            Save hours
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function PinDialog({ staff, onClose }: { staff: StaffRow; onClose: () => void }) {
  const { device, notify } = useDevice();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title={`PIN for ${staff.displayName}`} onClose={onClose}>
      <form
        className="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          const token = loadSession()?.accessToken;
          if (!token) return setError('Sign in again first.');
          try {
            await setPinRemote(token, device.storeId, staff.id, pin);
            void refreshPinVerifiers(device);
            notify(`PIN set for ${staff.displayName}.`);
            onClose();
          } catch (err) {
            setError(
              err instanceof TypeError
                ? 'Setting a PIN needs the network.'
                : err instanceof Error
                  ? err.message
                  : String(err),
            );
          }
        }}
      >
        <label>
          New PIN (4–6 digits)
          <input
            type="password"
            inputMode="numeric"
            pattern="\d{4,6}"
            required
            value={pin}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 6))}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Save PIN
        </button>
      </form>
    </Dialog>
  );
}

function ServicesTab() {
  const services = useLive((r) => r.list('service'), []);
  const { money } = useStoreRow();
  const [editing, setEditing] = useState<ServiceRow | 'new' | null>(null);
  const mayEdit = can(useDevice().role, 'catalog.manage');
  return (
    <div className="card">
      <div className="row">
        <h2>Services</h2>
        <span className="spacer" />
        {mayEdit && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add service
          </button>
        )}
      </div>
      <table>
        <thead>
          <tr>
            <th>Service</th>
            <th>Category</th>
            <th className="num">Minutes</th>
            <th className="num">Price</th>
            <th>Overrides</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...(services ?? [])]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((s) => (
              <tr key={s.id} className={s.active === false ? 'muted' : ''}>
                <td>{s.name}</td>
                <td>{s.category}</td>
                <td className="num">{s.durationMin}</td>
                <td className="num">{money(s.priceCents)}</td>
                <td>{Object.keys(s.staffOverrides ?? {}).length || ''}</td>
                <td>
                  {mayEdit && (
                    <button
                      type="button"
                      aria-label={`Edit ${s.name}`}
                      onClick={() => setEditing(s)}
                    >
                      Edit
                    </button>
                  )}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      {editing && (
        <ServiceForm
          existing={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function ServiceForm({ existing, onClose }: { existing: ServiceRow | null; onClose: () => void }) {
  const { mutate } = useDevice();
  const { currency } = useStoreRow();
  const { staff } = useStaff();
  const [name, setName] = useState(existing?.name ?? '');
  const [category, setCategory] = useState(existing?.category ?? '');
  const [durationMin, setDuration] = useState(String(existing?.durationMin ?? 30));
  const [price, setPrice] = useState(existing ? centsToInput(existing.priceCents, currency) : '');
  const [taxable, setTaxable] = useState(existing?.taxable ?? false);
  const [active, setActive] = useState(existing?.active ?? true);
  const [overrides, setOverrides] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      Object.entries(existing?.staffOverrides ?? {}).flatMap(([id, o]) =>
        o.priceCents === undefined ? [] : [[id, centsToInput(o.priceCents, currency)]],
      ),
    ),
  );
  async function submit(e: FormEvent) {
    e.preventDefault();
    const staffOverrides: Record<string, { priceCents: number }> = {};
    for (const [id, v] of Object.entries(overrides)) {
      const c = parseMoney(v, currency);
      if (v.trim() !== '' && c !== null) staffOverrides[id] = { priceCents: c };
    }
    const ok = await mutate('service.upsert', {
      id: existing?.id ?? newId(),
      name: name.trim(),
      category: category.trim() || null,
      durationMin: Number(durationMin),
      priceCents: parseMoney(price, currency) ?? 0,
      taxable,
      active,
      staffOverrides,
    });
    if (ok) onClose();
  }
  return (
    <Dialog title={existing ? 'Edit service' : 'Add service'} onClose={onClose} wide>
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Name
            <input type="text" required value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Category
            <input type="text" value={category} onChange={(e) => setCategory(e.target.value)} />
          </label>
          <label>
            Minutes
            <input
              type="number"
              min={5}
              max={1440}
              step={5}
              required
              value={durationMin}
              onChange={(e) => setDuration(e.target.value)}
            />
          </label>
          <label>
            Price
            <input
              type="text"
              inputMode="decimal"
              required
              value={price}
              onChange={(e) => setPrice(e.target.value)}
            />
          </label>
        </div>
        <label className="check">
          <input type="checkbox" checked={taxable} onChange={(e) => setTaxable(e.target.checked)} />{' '}
          Taxable
        </label>
        <label className="check">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />{' '}
          Offered
        </label>
        <fieldset>
          <legend>Price per staff member (blank: the standard price)</legend>
          <div className="row wrap">
            {staff
              .filter((s) => s.active && s.role !== 'front_desk')
              .map((s) => (
                <label key={s.id}>
                  {s.displayName}
                  <input
                    type="text"
                    inputMode="decimal"
                    className="narrow"
                    value={overrides[s.id] ?? ''}
                    onChange={(e) => setOverrides((o) => ({ ...o, [s.id]: e.target.value }))}
                  />
                </label>
              ))}
          </div>
        </fieldset>
        <button type="submit" className="primary">
          Save
        </button>
      </form>
    </Dialog>
  );
}

function ProductsTab() {
  const products = useLive((r) => r.list('product'), []);
  const { money } = useStoreRow();
  const [editing, setEditing] = useState<ProductRow | 'new' | null>(null);
  const mayEdit = can(useDevice().role, 'catalog.manage');
  return (
    <div className="card">
      <div className="row">
        <h2>Products</h2>
        <span className="spacer" />
        {mayEdit && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add product
          </button>
        )}
      </div>
      <table>
        <thead>
          <tr>
            <th>Product</th>
            <th>SKU</th>
            <th className="num">Price</th>
            <th className="num">Stock</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...(products ?? [])]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((p) => (
              <tr key={p.id} className={p.active === false ? 'muted' : ''}>
                <td>{p.name}</td>
                <td>{p.sku}</td>
                <td className="num">{money(p.priceCents)}</td>
                <td className="num">{p.stockCount}</td>
                <td>
                  {mayEdit && (
                    <button
                      type="button"
                      aria-label={`Edit ${p.name}`}
                      onClick={() => setEditing(p)}
                    >
                      Edit
                    </button>
                  )}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      {editing && (
        <ProductForm
          existing={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function ProductForm({ existing, onClose }: { existing: ProductRow | null; onClose: () => void }) {
  const { mutate } = useDevice();
  const { currency } = useStoreRow();
  const [name, setName] = useState(existing?.name ?? '');
  const [sku, setSku] = useState(existing?.sku ?? '');
  const [price, setPrice] = useState(existing ? centsToInput(existing.priceCents, currency) : '');
  const [stock, setStock] = useState(String(existing?.stockCount ?? 0));
  const [taxable, setTaxable] = useState(existing?.taxable ?? true);
  const [lowAt, setLowAt] = useState(
    existing?.lowStockAt === undefined || existing.lowStockAt === null
      ? ''
      : String(existing.lowStockAt),
  );
  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await mutate('product.upsert', {
      id: existing?.id ?? newId(),
      name: name.trim(),
      sku: sku.trim() || null,
      priceCents: parseMoney(price, currency) ?? 0,
      stockCount: Number(stock),
      taxable,
      // Empty: the store's threshold (Stock tab).
      lowStockAt: lowAt.trim() === '' ? null : Number(lowAt),
    });
    if (ok) onClose();
  }
  return (
    <Dialog title={existing ? 'Edit product' : 'Add product'} onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <label>
          Name
          <input type="text" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          SKU
          <input type="text" value={sku} onChange={(e) => setSku(e.target.value)} />
        </label>
        <label>
          Price
          <input
            type="text"
            inputMode="decimal"
            required
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        </label>
        <label>
          Stock
          <input type="number" value={stock} onChange={(e) => setStock(e.target.value)} />
        </label>
        <label>
          Low stock at
          <input
            type="number"
            min={0}
            placeholder="Store setting"
            value={lowAt}
            onChange={(e) => setLowAt(e.target.value)}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={taxable} onChange={(e) => setTaxable(e.target.checked)} />{' '}
          Taxable
        </label>
        <button type="submit" className="primary">
          Save
        </button>
      </form>
    </Dialog>
  );
}

function StoreTab() {
  const { store } = useStoreRow();
  if (!store) return <p>Loading…</p>;
  // The row is handed down: a fresh live query of its own would be empty on the first render.
  return <StoreForm key={store.id} s={store} />;
}

function StoreForm({ s }: { s: StoreRow }) {
  const { mutate, notify } = useDevice();
  const currency = s.currency;
  const [name, setName] = useState(s.name);
  const [tax, setTax] = useState(taxRatePercentText(storeTaxRatePpm(s)));
  const [cur, setCur] = useState(s.currency);
  const [tz, setTz] = useState(s.timeZone);
  const [threshold, setThreshold] = useState(centsToInput(s.fullTurnThresholdCents, currency));
  const [strict, setStrict] = useState(s.strictBooking ?? false);
  const [apptTurns, setApptTurns] = useState(s.appointmentsCountAsTurns ?? false);
  const [address, setAddress] = useState(s.address ?? '');
  const [offlinePerPayment, setOfflinePerPayment] = useState(
    centsToInput(s.offlineCardMaxPerPaymentCents, currency),
  );
  const [offlinePerDevice, setOfflinePerDevice] = useState(
    centsToInput(s.offlineCardMaxPerDeviceCents, currency),
  );
  return (
    <form
      className="card stack"
      aria-label="Store settings"
      onSubmit={async (e) => {
        e.preventDefault();
        const perPaymentCents = parseMoney(offlinePerPayment, currency);
        const perDeviceCents = parseMoney(offlinePerDevice, currency);
        if (perPaymentCents === null || perDeviceCents === null) {
          return notify('Enter the offline card limits as amounts, e.g. 100.00.', 'error');
        }
        const taxRatePpm = parseTaxRatePercent(tax);
        if (taxRatePpm === null) {
          return notify(
            'Enter the tax rate as a percent from 0 to 100 with up to three decimals, e.g. 8.875.',
            'error',
          );
        }
        const ok = await mutate('store.updateSettings', {
          name: name.trim(),
          taxRatePpm,
          currency: cur.trim().toUpperCase(),
          timeZone: tz.trim(),
          fullTurnThresholdCents: parseMoney(threshold, currency) ?? 0,
          strictBooking: strict,
          appointmentsCountAsTurns: apptTurns,
          address: address.trim(),
          offlineCardMaxPerPaymentCents: perPaymentCents,
          offlineCardMaxPerDeviceCents: perDeviceCents,
        });
        if (ok) notify('Settings saved.');
      }}
    >
      <div className="row wrap">
        <label>
          Store name
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Tax rate %
          <input
            type="number"
            min={0}
            max={100}
            step={0.001}
            value={tax}
            onChange={(e) => setTax(e.target.value)}
          />
          <span className="muted">Charged now: {formatTaxRate(storeTaxRatePpm(s))}</span>
        </label>
        <label>
          Currency
          <input
            type="text"
            maxLength={3}
            className="narrow"
            value={cur}
            onChange={(e) => setCur(e.target.value)}
          />
        </label>
        <label>
          Time zone
          <input type="text" value={tz} onChange={(e) => setTz(e.target.value)} />
        </label>
        <label>
          Full turn from
          <input
            type="text"
            inputMode="decimal"
            value={threshold}
            onChange={(e) => setThreshold(e.target.value)}
          />
          <span className="muted">Services below count as a half turn; 0: always a full turn.</span>
        </label>
      </div>
      <label>
        Address (printed on receipts)
        <textarea
          rows={3}
          maxLength={300}
          value={address}
          onChange={(e) => setAddress(e.target.value)}
        />
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={apptTurns}
          onChange={(e) => setApptTurns(e.target.checked)}
        />{' '}
        Appointments count as turns
      </label>
      <label className="check">
        <input type="checkbox" checked={strict} onChange={(e) => setStrict(e.target.checked)} />{' '}
        Refuse double bookings (strict mode)
      </label>
      <fieldset className="row wrap">
        <legend>Card payments while offline</legend>
        <label>
          Limit per payment
          <input
            type="text"
            inputMode="decimal"
            value={offlinePerPayment}
            onChange={(e) => setOfflinePerPayment(e.target.value)}
          />
        </label>
        <label>
          Limit per device until it syncs
          <input
            type="text"
            inputMode="decimal"
            value={offlinePerDevice}
            onChange={(e) => setOfflinePerDevice(e.target.value)}
          />
        </label>
        <p className="muted">
          A card taken offline is only checked by the card processor when the device reconnects:
          these limits bound what the salon risks. Payments must sync within 24 hours.
        </p>
      </fieldset>
      <p className="muted">Plan: {s.plan}</p>
      <button type="submit" className="primary">
        Save settings
      </button>
    </form>
  );
}

function DeviceTab() {
  const { device, session } = useDevice();
  const status = useSyncStatus(device.client);
  const [confirm, setConfirm] = useState(false);
  const pending = status?.pendingCount ?? 0;
  async function clear(force: boolean) {
    await device.client.clearLocalData({ force });
    device.close();
    await signOut();
    location.assign('/');
  }
  return (
    <div className="card stack">
      <dl className="facts">
        <dt>Device id</dt>
        <dd>{device.deviceId}</dd>
        <dt>Store</dt>
        <dd>{session.stores.find((s) => s.id === session.storeId)?.name}</dd>
        <dt>Signed in as</dt>
        <dd>
          {session.user.email} ({device.role})
        </dd>
        <dt>Sync</dt>
        <dd>
          {status?.role ?? '…'} · cursor {status?.cursor ?? 0} · {status?.outboxCount ?? 0} in
          outbox
        </dd>
        {status?.storage && (
          <>
            <dt>Storage</dt>
            <dd>{status.storage.level}</dd>
          </>
        )}
      </dl>
      <p className="muted">
        This is the device you are on; owners and managers see all of the store’s under Devices.
      </p>
      <button
        type="button"
        className="danger"
        onClick={() => (pending > 0 ? setConfirm(true) : void clear(false))}
      >
        Clear data on this device
      </button>
      {confirm && (
        <Dialog title="Clear data with unsynced changes?" onClose={() => setConfirm(false)}>
          <p role="alert">
            {pending} change{pending === 1 ? '' : 's'} on this device{' '}
            {pending === 1 ? 'has' : 'have'} not reached the server. Clearing now loses{' '}
            {pending === 1 ? 'it' : 'them'} for good.
          </p>
          <div className="row">
            <button type="button" onClick={() => setConfirm(false)}>
              Keep data
            </button>
            <button type="button" className="danger" onClick={() => void clear(true)}>
              Clear and lose changes
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

/** Owner/manager list of the store's registered devices (needs the network), with revocation. */
function DevicesTab() {
  const { device } = useDevice();
  const { dateTime } = useStoreRow();
  const [revoking, setRevoking] = useState<RegisteredDevice | null>(null);
  const { items, error, setError, reload } = useServerList(fetchDevices, {
    signedOut: 'Sign in again to see the devices.',
    offline: 'The device list needs the network.',
  });
  async function revoke(target: RegisteredDevice) {
    const token = loadSession()?.accessToken;
    if (!token) return setError('Sign in again to revoke a device.');
    try {
      await revokeDevice(token, device.storeId, target.id);
      setRevoking(null);
      reload();
    } catch (e) {
      setRevoking(null);
      setError(e instanceof TypeError ? 'Revoking a device needs the network.' : String(e));
    }
  }
  const label = (d: RegisteredDevice) =>
    `${d.name || 'Unnamed device'} ${d.id.slice(0, 8)}${d.id === device.deviceId ? ' (this device)' : ''}`;
  return (
    <div className="card">
      <div className="row">
        <h2>Devices</h2>
        <span className="spacer" />
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
      {items === null && !error && <p className="muted">Loading…</p>}
      {items && (
        <table aria-label="Registered devices">
          <thead>
            <tr>
              <th>Device</th>
              <th>Registered</th>
              <th>Last seen</th>
              <th className="num">Last mutation</th>
              <th>Status</th>
              <th>Ticket numbers</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td>{label(d)}</td>
                <td>{dateTime(d.registeredAt)}</td>
                <td>{d.lastSeenAt ? dateTime(d.lastSeenAt) : 'Never'}</td>
                <td className="num">{d.lastMutationId}</td>
                <td>{d.revokedAt ? `Revoked ${dateTime(d.revokedAt)}` : 'Active'}</td>
                <td>{d.shortCode}-…</td>
                <td>
                  {!d.revokedAt && (
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Revoke ${label(d)}`}
                      onClick={() => setRevoking(d)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoking && (
        <Dialog title="Revoke this device?" onClose={() => setRevoking(null)}>
          <p>
            {label(revoking)} will no longer sync with the store. Changes it has not sent yet stay
            on it and are lost; to use it again, clear its data and sign it in as a new device.
          </p>
          {revoking.id === device.deviceId && (
            <p role="alert">This is the device you are using: it stops syncing at once.</p>
          )}
          <div className="row">
            <button type="button" onClick={() => setRevoking(null)}>
              Keep device
            </button>
            <button type="button" className="danger" onClick={() => void revoke(revoking)}>
              Revoke device
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

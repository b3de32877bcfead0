import type { Role, WorkingShift } from '@mango/domain';
import type { DemoActor, DemoDevice } from './demo-device';
import type { DemoRandom } from './demo-random';

/** Opening hours, minutes after local midnight. Closed on Mondays. */
export const CLOSED_WEEKDAY = 1;
export function openingHours(weekday: number): { open: number; close: number } | null {
  if (weekday === CLOSED_WEEKDAY) return null;
  return weekday === 0
    ? { open: 10 * 60 + 30, close: 17 * 60 + 30 }
    : { open: 9 * 60 + 30, close: 19 * 60 + 30 };
}

type Skill = 'nails' | 'hair' | 'wax';

const STAFF: readonly {
  key: string;
  displayName: string;
  role: Role;
  color: string;
  commissionBps?: number;
  /** Weekdays (0 Sunday … 6 Saturday) off besides the store's closed day. */
  daysOff: readonly number[];
  skills?: readonly Skill[];
}[] = [
  { key: 'anna', displayName: 'Anna (manager)', role: 'manager', color: '#7c3aed', daysOff: [] },
  {
    key: 'linh',
    displayName: 'Linh',
    role: 'technician',
    color: '#db2777',
    commissionBps: 5000,
    daysOff: [3],
    skills: ['nails', 'wax'],
  },
  {
    key: 'mai',
    displayName: 'Mai',
    role: 'technician',
    color: '#ea580c',
    commissionBps: 4500,
    daysOff: [4],
    skills: ['nails', 'wax'],
  },
  {
    key: 'tuan',
    displayName: 'Tuan',
    role: 'technician',
    color: '#0891b2',
    commissionBps: 4500,
    daysOff: [0],
  },
  {
    key: 'kim',
    displayName: 'Kim',
    role: 'technician',
    color: '#16a34a',
    commissionBps: 4000,
    daysOff: [2],
    skills: ['nails'],
  },
  {
    key: 'jess',
    displayName: 'Jess (front desk)',
    role: 'front_desk',
    color: '#64748b',
    daysOff: [],
  },
];

const SERVICES = [
  {
    key: 'classicMani',
    name: 'Classic Manicure',
    durationMin: 30,
    priceCents: 2500,
    category: 'Nails',
    skill: 'nails',
  },
  {
    key: 'gelMani',
    name: 'Gel Manicure',
    durationMin: 45,
    priceCents: 4000,
    category: 'Nails',
    skill: 'nails',
  },
  {
    key: 'spaPedi',
    name: 'Spa Pedicure',
    durationMin: 60,
    priceCents: 5000,
    category: 'Nails',
    skill: 'nails',
  },
  {
    key: 'acrylic',
    name: 'Acrylic Full Set',
    durationMin: 75,
    priceCents: 6000,
    category: 'Nails',
    skill: 'nails',
  },
  {
    key: 'nailArt',
    name: 'Nail Art (per nail)',
    durationMin: 10,
    priceCents: 500,
    category: 'Nails',
    skill: 'nails',
  },
  {
    key: 'haircut',
    name: "Women's Haircut",
    durationMin: 45,
    priceCents: 5500,
    category: 'Hair',
    skill: 'hair',
  },
  {
    key: 'blowout',
    name: 'Blowout',
    durationMin: 30,
    priceCents: 3500,
    category: 'Hair',
    skill: 'hair',
  },
  {
    key: 'browWax',
    name: 'Eyebrow Wax',
    durationMin: 15,
    priceCents: 1500,
    category: 'Wax',
    skill: 'wax',
  },
] as const satisfies readonly {
  key: string;
  name: string;
  durationMin: number;
  priceCents: number;
  category: string;
  skill: Skill;
}[];

export type ServiceKey = (typeof SERVICES)[number]['key'];

const PRODUCTS = [
  { key: 'cuticleOil', name: 'Cuticle Oil', sku: 'CO-001', priceCents: 1200, stockCount: 48 },
  { key: 'handCream', name: 'Hand Cream', sku: 'HC-002', priceCents: 1800, stockCount: 30 },
  { key: 'polish', name: 'Nail Polish', sku: 'NP-003', priceCents: 1000, stockCount: 120 },
] as const;

export type ProductKey = (typeof PRODUCTS)[number]['key'];

const FIRST = [
  'Olivia',
  'Emma',
  'Ava',
  'Sophia',
  'Mia',
  'Amelia',
  'Harper',
  'Evelyn',
  'Abigail',
  'Emily',
  'Ella',
  'Grace',
  'Chloe',
  'Lily',
  'Nora',
  'Zoe',
];
const LAST = [
  'Nguyen',
  'Smith',
  'Johnson',
  'Garcia',
  'Brown',
  'Tran',
  'Lee',
  'Martinez',
  'Davis',
  'Lopez',
  'Pham',
  'Wilson',
];

export const CLIENT_COUNT = 120;

export interface DemoStaff {
  id: string;
  key: string;
  displayName: string;
  role: Role;
  daysOff: readonly number[];
  skills: readonly Skill[] | null;
}

export interface DemoService {
  id: string;
  key: ServiceKey;
  name: string;
  durationMin: number;
  priceCents: number;
  skill: Skill;
}

export interface DemoProduct {
  id: string;
  key: ProductKey;
}

export interface DemoClient {
  id: string;
  firstName: string;
  lastName: string;
}

export interface DemoCatalog {
  staff: DemoStaff[];
  technicians: DemoStaff[];
  manager: DemoActor;
  desk: DemoActor;
  services: Record<ServiceKey, DemoService>;
  products: Record<ProductKey, DemoProduct>;
  clients: DemoClient[];
}

/** The store's hours as a staff member's week, minus their days off. */
function workingWeek(daysOff: readonly number[]): WorkingShift[] {
  const week: WorkingShift[] = [];
  for (let weekday = 0; weekday < 7; weekday++) {
    const hours = openingHours(weekday);
    if (!hours || daysOff.includes(weekday)) continue;
    week.push({ weekday, startMin: hours.open, endMin: hours.close });
  }
  return week;
}

export function canDo(staff: DemoStaff, service: DemoService): boolean {
  return staff.skills === null || staff.skills.includes(service.skill);
}

/**
 * The salon as it was set up eight weeks ago: settings, staff with their hours and commission,
 * services, products and clients. The owner's account does it (it alone may add a manager).
 */
export async function createDemoCatalog(
  device: DemoDevice,
  rng: DemoRandom,
  at: number,
): Promise<DemoCatalog> {
  const owner: DemoActor = { staffId: null, role: 'owner' };
  // Services under $40 count as half a turn: what nail salons do with quick manicures.
  await device.run(at, owner, 'store.updateSettings', { fullTurnThresholdCents: 4000 });

  const services = {} as Record<ServiceKey, DemoService>;
  for (const s of SERVICES) {
    const id = rng.uuid();
    services[s.key] = { id, ...s };
    await device.run(at, owner, 'service.upsert', {
      id,
      name: s.name,
      durationMin: s.durationMin,
      priceCents: s.priceCents,
      taxable: false,
      category: s.category,
    });
  }

  const staff: DemoStaff[] = [];
  for (const s of STAFF) {
    const id = rng.uuid();
    const skills = s.skills ?? null;
    staff.push({
      id,
      key: s.key,
      displayName: s.displayName,
      role: s.role,
      daysOff: s.daysOff,
      skills,
    });
    await device.run(at, owner, 'staff.upsert', {
      id,
      displayName: s.displayName,
      role: s.role,
      active: true,
      color: s.color,
      ...(s.commissionBps === undefined ? {} : { commissionBps: s.commissionBps }),
      ...(skills
        ? {
            serviceIds: Object.values(services)
              .filter((v) => skills.includes(v.skill))
              .map((v) => v.id),
          }
        : {}),
      workingHours: workingWeek(s.daysOff),
    });
  }

  const products = {} as Record<ProductKey, DemoProduct>;
  for (const p of PRODUCTS) {
    const id = rng.uuid();
    products[p.key] = { id, key: p.key };
    await device.run(at, owner, 'product.upsert', {
      id,
      name: p.name,
      sku: p.sku,
      priceCents: p.priceCents,
      stockCount: p.stockCount,
      taxable: true,
    });
  }

  const clients: DemoClient[] = [];
  for (let i = 0; i < CLIENT_COUNT; i++) {
    const client = {
      id: rng.uuid(),
      firstName: FIRST[i % FIRST.length]!,
      lastName: LAST[(i * 7) % LAST.length]!,
    };
    clients.push(client);
    await device.run(at, owner, 'client.upsert', {
      ...client,
      phone: `+1555${String(2000000 + i * 7919).slice(-7)}`,
      email: `client${i}@example.com`,
    });
  }

  const byKey = (key: string) => {
    const found = staff.find((s) => s.key === key);
    if (!found) throw new Error(`demo staff ${key} missing`);
    return found;
  };
  return {
    staff,
    technicians: staff.filter((s) => s.role === 'technician'),
    manager: { staffId: byKey('anna').id, role: 'manager' },
    desk: { staffId: byKey('jess').id, role: 'front_desk' },
    services,
    products,
    clients,
  };
}

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { baseUrl } from '../../../test-support/e2e-context';
import type { NetworkSwitch } from '../../../test-support/e2e-network-switch';

/** Tablet size: every screenshot of the suite is taken at this viewport. */
export const TABLET = { width: 1024, height: 768 } as const;

export const DEMO = { email: 'demo@mango.pos', password: 'mango-demo-2026' } as const;

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

/** JSON over the real server's REST API (the test's own client, not the app's). */
export async function http<T>(
  path: string,
  opts: { method?: string; body?: unknown; token?: string; base?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  const res = await fetch((opts.base ?? baseUrl()) + path, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new HttpFailure(res.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface SeededStore {
  storeId: string;
  email: string;
  password: string;
  ownerToken: string;
  staff: {
    manager: { id: string; name: string; pin: string };
    frontDesk: { id: string; name: string; pin: string };
    technicians: { id: string; name: string }[];
  };
  services: { id: string; name: string; priceCents: number; durationMin: number }[];
  products: { id: string; name: string; priceCents: number }[];
}

interface SessionBody {
  accessToken: string;
  user: { id: string; organizationId: string };
  stores: { id: string }[];
}

const TECHNICIANS = ['Linh', 'Mai', 'Tuan'];
const SERVICES = [
  { name: 'Gel Manicure', durationMin: 45, priceCents: 4000 },
  { name: 'Spa Pedicure', durationMin: 60, priceCents: 5000 },
];
const PRODUCTS = [{ name: 'Cuticle Oil', priceCents: 1200 }];

/**
 * A fresh store of its own (isolation between test files): signed up through the public API, its
 * staff and catalog created by pushing the same mutations a device would. Tax-free, New York.
 */
export async function signupSeededStore(label: string): Promise<SeededStore> {
  const email = `${label}-${randomUUID().slice(0, 8)}@e2e.test`;
  const password = `pw-${randomUUID()}`;
  const session = await http<SessionBody>('/api/v1/auth/signup', {
    body: {
      organizationName: `E2E ${label}`,
      storeName: `E2E ${label} salon`,
      email,
      password,
      timeZone: 'America/New_York',
      currency: 'USD',
      taxRatePpm: 0,
    },
  });
  const storeId = session.stores[0]?.id;
  if (!storeId) throw new Error('signup returned no store');
  const staff = {
    manager: { id: randomUUID(), name: 'Anna (manager)', pin: '2468' },
    frontDesk: { id: randomUUID(), name: 'Jess (front desk)', pin: '1357' },
    technicians: TECHNICIANS.map((name) => ({ id: randomUUID(), name })),
  };
  const services = SERVICES.map((s) => ({ id: randomUUID(), ...s }));
  const products = PRODUCTS.map((p) => ({ id: randomUUID(), ...p }));
  const mutations: { name: string; args: Record<string, unknown> }[] = [
    ...(
      [
        [staff.manager, 'manager'],
        [staff.frontDesk, 'front_desk'],
      ] as const
    ).map(([person, role]) => ({
      name: 'staff.upsert',
      args: { id: person.id, displayName: person.name, role, active: true },
    })),
    ...staff.technicians.map((t) => ({
      name: 'staff.upsert',
      args: { id: t.id, displayName: t.name, role: 'technician', active: true },
    })),
    ...services.map((s) => ({
      name: 'service.upsert',
      args: { ...s, taxable: false, category: 'Nails' },
    })),
    ...products.map((p) => ({
      name: 'product.upsert',
      args: { ...p, sku: `SKU-${p.id.slice(0, 4)}`, stockCount: 10, taxable: false },
    })),
  ];
  await pushAsNewDevice(session.accessToken, storeId, mutations);
  for (const person of [staff.manager, staff.frontDesk]) {
    await http(`/api/v1/stores/${storeId}/staff/${person.id}/pin`, {
      method: 'PUT',
      token: session.accessToken,
      body: { pin: person.pin },
    });
  }
  return { storeId, email, password, ownerToken: session.accessToken, staff, services, products };
}

/**
 * Registers a device of its own and pushes mutations in batches; fails on any rejection (its
 * message holds the first rejection, code included). `actorStaffId`: the staff member acting.
 */
export async function pushAsNewDevice(
  token: string,
  storeId: string,
  mutations: { name: string; args: Record<string, unknown>; actorStaffId?: string }[],
  base = baseUrl(),
): Promise<void> {
  const deviceId = randomUUID();
  await http(`/api/v1/stores/${storeId}/devices`, {
    token,
    base,
    body: { deviceId, name: 'e2e seed' },
  });
  const clientTime = new Date().toISOString();
  for (let start = 0; start < mutations.length; start += 500) {
    const batch = mutations
      .slice(start, start + 500)
      .map((m, i) => ({ id: start + i + 1, ...m, clientTime }));
    const res = await http<{ results: { status: string }[] }>(
      `/api/v1/stores/${storeId}/sync/push`,
      { token, base, body: { deviceId, schemaVersion: 1, mutations: batch } },
    );
    const refused = res.results.filter((r) => r.status !== 'applied');
    if (refused.length > 0) throw new Error(`seed push refused: ${JSON.stringify(refused[0])}`);
  }
}

export async function ownerToken(email: string, password: string): Promise<string> {
  return (await http<{ accessToken: string }>('/api/v1/auth/login', { body: { email, password } }))
    .accessToken;
}

export async function newTabletPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: TABLET });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return { context, page };
}

/** Online sign-in through the form; resolves when the front desk is on screen and hydrated. */
export async function signIn(
  page: Page,
  creds: { email: string; password: string },
  opts: { base?: string; hydrationTimeoutMs?: number } = {},
): Promise<void> {
  await page.goto(opts.base ?? baseUrl());
  await page.getByLabel('Email').fill(creds.email);
  await page.getByLabel('Password').fill(creds.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('heading', { name: 'Front desk', level: 1 })
    .waitFor({ timeout: opts.hydrationTimeoutMs ?? 30_000 });
  // The front desk opens on the essentials; the rest of the store arrives behind a progress bar.
  await page
    .getByRole('progressbar', { name: 'Copying this store' })
    .waitFor({ state: 'detached', timeout: opts.hydrationTimeoutMs ?? 30_000 });
}

/** The PIN lock screen of a device that signed in before (after a reload or Lock). */
export const pinLock = (page: Page) => page.getByRole('region', { name: 'Unlock with PIN' });

/**
 * Unlocks a device that signed in before with the account's password, through the lock
 * screen's "Sign in with password" link (checked on the device): the account acts.
 */
export async function unlock(page: Page, password: string): Promise<void> {
  await pinLock(page).getByRole('button', { name: 'Sign in with password' }).click();
  const form = page.getByRole('form', { name: 'Unlock' });
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Unlock' }).click();
}

/** Unlocks the desk as a staff member with their PIN: they act until the desk locks. */
export async function unlockWithPin(page: Page, name: string, pin: string): Promise<void> {
  const lock = pinLock(page);
  await lock.getByLabel('Staff member').selectOption({ label: name });
  await lock.getByLabel('PIN').fill(pin);
  await lock.getByRole('button', { name: 'Unlock' }).click();
}

/**
 * Signs the desk in, lets the service worker take over, reloads (a registered desk opens on the
 * PIN lock) and unlocks it as `person` with their PIN, on the front desk screen.
 */
export async function openDeskAs(
  page: Page,
  store: SeededStore,
  person: { name: string; pin: string },
): Promise<void> {
  await signIn(page, store);
  await waitForServiceWorker(page);
  await page.reload();
  await pinLock(page).waitFor();
  await unlockWithPin(page, person.name, person.pin);
  await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
}

/** Switches the acting staff member through the status bar's PIN switch. */
export async function switchStaff(page: Page, name: string, pin: string): Promise<void> {
  const statusBar = page.getByRole('region', { name: 'Sync status' });
  await statusBar.getByRole('button', { name: 'Switch staff' }).click();
  const dialog = page.getByRole('dialog', { name: 'Switch staff member' });
  await dialog.getByLabel('Staff member').selectOption({ label: name });
  await dialog.getByLabel('PIN').fill(pin);
  await dialog.getByRole('button', { name: 'Switch' }).click();
  await expect.poll(() => statusBar.getByLabel('Acting staff member').innerText()).toBe(name);
}

/** A new ticket with one Gel Manicure ($40.00 in the seeded store) done by `technician`. */
export async function newGelManicureTicket(page: Page, technician: string): Promise<void> {
  const checkout = page.getByRole('region', { name: 'Checkout' });
  await page.getByRole('button', { name: 'New ticket' }).click();
  await checkout.getByRole('button', { name: 'Add Gel Manicure' }).click();
  await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(4000));
  await checkout
    .getByRole('listitem', { name: 'Gel Manicure', exact: true })
    .filter({ has: page.getByLabel('Staff') })
    .getByLabel('Staff')
    .selectOption({ label: technician });
}

/**
 * The service worker has installed the shell and controls the page (it claims open pages on
 * activation), so a reload works with the network off.
 */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
    .toBe(true);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/${name}.png` });
}

/** Text of the element, for money assertions. */
export async function textOf(page: Page, label: string): Promise<string> {
  return (await page.getByLabel(label, { exact: true }).innerText()).trim();
}

export const usd = (cents: number) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

export interface PulledChange {
  entity: string;
  id: string;
  deleted: boolean;
  data: Record<string, unknown> | null;
}

/**
 * Everything the server holds for the store, as a fresh device's pull sees it (latest version of
 * each row): what actually reached the server, independent of any browser's local data.
 */
export async function pullEverything(
  token: string,
  storeId: string,
): Promise<Map<string, PulledChange>> {
  const deviceId = randomUUID();
  await http(`/api/v1/stores/${storeId}/devices`, { token, body: { deviceId, name: 'e2e check' } });
  const rows = new Map<string, PulledChange>();
  let cursor = 0;
  for (;;) {
    const page = await http<{ cursor: number; hasMore: boolean; changes: PulledChange[] }>(
      `/api/v1/stores/${storeId}/sync/pull?deviceId=${deviceId}&cursor=${cursor}&limit=500`,
      { token },
    );
    for (const c of page.changes) rows.set(`${c.entity}:${c.id}`, c);
    cursor = page.cursor;
    if (!page.hasMore) return rows;
  }
}

/**
 * Takes the device offline for real: the line to the server is cut (a worker started while
 * offline is not covered by Chromium's emulation alone) and the browser is offline; resolves once
 * the status bar says so.
 */
export async function goOffline(page: Page, context: BrowserContext, line: NetworkSwitch) {
  line.cut();
  await context.setOffline(true);
  await page
    .getByRole('region', { name: 'Sync status' })
    .getByLabel('Offline', { exact: true })
    .waitFor();
}

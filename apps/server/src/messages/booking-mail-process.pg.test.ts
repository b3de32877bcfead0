import { randomUUID } from 'node:crypto';
import { addDaysToYmd, businessDate } from '@mango/domain';
import type { SessionResponse } from '@mango/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../../../../test-support/server-process';
import { MutationLog } from '../test-support/test-app';
import { bookingPageMutations } from './test-support/booking-page';
import { startReceiver, type Receiver } from './test-support/smtp-receiver';

/**
 * The real server process (main.ts, embedded database) with SMTP_URL set: the sender job it
 * schedules delivers a booking's confirmation to a real SMTP server, with the manage link.
 */
let server: ServerProcess;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  server = await startServer({
    DEMO_SEED: 'false',
    SMTP_URL: receiver.url,
    MAIL_FROM: 'Salon <salon@example.com>',
    MAIL_SEND_INTERVAL_MS: '200',
    PUBLIC_URL: 'https://pos.example.com',
  });
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
});

async function call<T>(method: string, url: string, body?: unknown, headers = {}) {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return JSON.parse(text) as T;
}

it('sends the confirmation of a booking made on the page, once', async () => {
  const session = await call<SessionResponse>('POST', '/api/v1/auth/signup', {
    organizationName: 'Mail Org',
    storeName: 'Mail Store',
    email: `mail-${randomUUID().slice(0, 8)}@example.com`,
    password: 'correct horse battery',
  });
  const storeId = session.stores[0]!.id;
  const auth = { authorization: `Bearer ${session.accessToken}` };
  const deviceId = randomUUID();
  await call('POST', `/api/v1/stores/${storeId}/devices`, { deviceId, name: 'Desk' }, auth);
  const slug = `mail-${randomUUID().slice(0, 8)}`;
  const service = randomUUID();
  const pushed = await call<{ results: { status: string }[] }>(
    'POST',
    `/api/v1/stores/${storeId}/sync/push`,
    {
      deviceId,
      schemaVersion: 1,
      mutations: bookingPageMutations(new MutationLog(deviceId), {
        slug,
        staffId: randomUUID(),
        serviceId: service,
      }),
    },
    auth,
  );
  expect(pushed.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
  const page = await call<{ store: { timeZone: string } }>('GET', `/api/v1/public/stores/${slug}`);
  const day = addDaysToYmd(businessDate(new Date().toISOString(), page.store.timeZone), 2);
  const { times } = await call<{ times: { start: string }[] }>(
    'GET',
    `/api/v1/public/stores/${slug}/availability?serviceId=${service}&staffId=anyone&date=${day}`,
  );
  const body = {
    serviceId: service,
    staffId: 'anyone',
    start: times[0]!.start,
    client: { name: 'Kim Lee', phone: '+1 555 010 0177', email: 'kim@example.com' },
  };
  const key = { 'idempotency-key': randomUUID() };
  const booked = await call<{ manageUrl: string }>(
    'POST',
    `/api/v1/public/stores/${slug}/bookings`,
    body,
    key,
  );
  await call('POST', `/api/v1/public/stores/${slug}/bookings`, body, key);

  for (let i = 0; i < 100 && receiver.received.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // A few more send intervals: nothing else arrives.
  await new Promise((r) => setTimeout(r, 1000));
  expect(receiver.received).toHaveLength(1);
  expect(receiver.received[0]!.to).toEqual(['kim@example.com']);
  expect(receiver.received[0]!.text).toContain(`https://pos.example.com${booked.manageUrl}`);
});

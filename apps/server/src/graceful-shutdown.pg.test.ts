import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../../../test-support/server-process';
import type { SessionResponse } from '@mango/protocol';

/**
 * SIGTERM on the real server process (embedded database): a push already in flight is finished
 * and answered, open event streams are ended (so clients reconnect elsewhere), then it exits.
 */
let server: ServerProcess;
beforeAll(async () => {
  server = await startServer({ LOG_LEVEL: 'info', DEMO_SEED: 'false' });
});
afterAll(async () => {
  await server.stop();
});

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${server.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function waitForOutput(text: string): Promise<void> {
  for (let i = 0; i < 300 && !server.output().includes(text); i++)
    await new Promise((r) => setTimeout(r, 50));
  if (!server.output().includes(text)) throw new Error(`never logged ${text}:\n${server.output()}`);
}

it('finishes an in-flight push and ends event streams on SIGTERM', async () => {
  const signup = await post('/api/v1/auth/signup', {
    organizationName: 'Shutdown Org',
    storeName: 'Shutdown Store',
    email: `shutdown-${randomUUID().slice(0, 8)}@example.com`,
    password: 'correct horse battery',
  });
  expect(signup.status).toBe(201);
  const session = signup.body as unknown as SessionResponse;
  const storeId = session.stores[0]!.id;
  const auth = { authorization: `Bearer ${session.accessToken}` };
  const deviceId = randomUUID();
  expect(
    (await post(`/api/v1/stores/${storeId}/devices`, { deviceId, name: 'Desk' }, auth)).status,
  ).toBe(201);

  const events = await fetch(`${server.url}/api/v1/stores/${storeId}/sync/events`, {
    headers: auth,
  });
  const stream = events.body!.getReader();
  await stream.read();

  const mutations = Array.from({ length: 200 }, (_, i) => ({
    id: i + 1,
    name: 'client.upsert',
    args: { id: randomUUID(), firstName: `Guest${i}`, lastName: 'Shutdown' },
    clientTime: new Date().toISOString(),
  }));
  const body = Buffer.from(JSON.stringify({ deviceId, schemaVersion: 1, mutations }));
  const requestId = `inflight-${randomUUID()}`;
  let pushRequest: http.ClientRequest | undefined;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      `${server.url}/api/v1/stores/${storeId}/sync/push`,
      {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          'content-length': String(body.length),
          'x-request-id': requestId,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    // Half the body now; the rest only after the server has been told to stop.
    req.write(body.subarray(0, body.length / 2));
    pushRequest = req;
  });
  await waitForOutput(requestId); // the server has the request ("incoming request" is logged)

  const stopped = server.stop();
  await waitForOutput('shutting down');
  // The event stream ends rather than holding the shutdown open (a hung stream fails the test by
  // its timeout).
  let chunk = await stream.read();
  while (!chunk.done) chunk = await stream.read();
  expect(chunk.done).toBe(true);

  pushRequest!.end(body.subarray(body.length / 2));
  const res = await answer;
  expect(res.status).toBe(200);
  const pushed = JSON.parse(res.body) as { lastMutationId: number; results: { status: string }[] };
  expect(pushed.lastMutationId).toBe(200);
  expect(pushed.results.every((r) => r.status === 'applied')).toBe(true);
  await stopped;
});

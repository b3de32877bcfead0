import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTestDb, type TestDb } from '../db/test-support/engines';
import { createMetrics } from './metrics';
import { buildObservedApp } from './test-support/observed-app';

/**
 * The dashboard and the alert rules name series by hand: every `mango_*` series they use must be
 * one the server exports, or a renamed metric would silently blank a panel or mute an alert.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

let handle: TestDb;
let exported: Set<string>;
beforeAll(async () => {
  handle = await makeTestDb();
  const registry = new Registry();
  const app = await buildObservedApp(
    handle.db,
    {},
    {
      metrics: createMetrics({ registry, processMetrics: true, release: 'ops-test' }),
    },
  );
  await app.ready();
  exported = new Set();
  for (const m of await registry.getMetricsAsJSON()) {
    exported.add(m.name);
    if (String(m.type) === 'histogram')
      for (const suffix of ['_bucket', '_count', '_sum']) exported.add(`${m.name}${suffix}`);
  }
  await app.close();
});
afterAll(async () => {
  await handle.close();
});

const seriesIn = (text: string) => new Set(text.match(/\bmango_[a-z0-9_]+/g) ?? []);

it.each(['ops/grafana-dashboard.json', 'ops/prometheus-alerts.yml'])(
  '%s uses only series the server exports',
  (file) => {
    const used = [...seriesIn(read(file))];
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  },
);

it('links every alert to a runbook section that exists', () => {
  const runbook = read('docs/OPERATIONS.md');
  const anchors = new Set(
    [...runbook.matchAll(/^#+ (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  const links = [...read('ops/prometheus-alerts.yml').matchAll(/OPERATIONS\.md#([\w-]+)/g)].map(
    (m) => m[1]!,
  );
  expect(links.length).toBeGreaterThan(5);
  expect(links.filter((a) => !anchors.has(a))).toEqual([]);
});

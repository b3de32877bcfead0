import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { buildObservedApp } from '../observability/test-support/observed-app';
import { buildOpenApiDocument, OPERATIONS } from '../observability/openapi';

const committedSpec = path.resolve(import.meta.dirname, '../../../../docs/openapi.json');
/** Routes that are not API operations: the docs themselves and the web app's catch-all. */
const NOT_OPERATIONS = new Set(['GET /docs', 'GET /docs/openapi.json', 'GET /*']);

describeEachEngine('API docs', (getDb) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildObservedApp(getDb(), { METRICS_TOKEN: 'docs-test-token-0123' });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('documents exactly the routes the server registers', () => {
    const registered = app.routeTable
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !NOT_OPERATIONS.has(r))
      .sort();
    const documented = OPERATIONS.map((o) => `${o.method} ${o.path}`).sort();
    expect(documented).toEqual(registered);
  });

  it('serves the document and a page listing every operation, with no script', async () => {
    const json = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    expect(json.statusCode).toBe(200);
    expect(JSON.parse(json.body)).toEqual(buildOpenApiDocument());
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/<script/i);
    for (const op of OPERATIONS)
      expect(page.body).toContain(`<code>${op.path.replace(/:(\w+)/g, '{$1}')}</code>`);
  });
});

it('has a committed docs/openapi.json equal to what the code generates (npm run docs:openapi)', () => {
  const committed = JSON.parse(readFileSync(committedSpec, 'utf8')) as unknown;
  expect(committed).toEqual(buildOpenApiDocument());
});

it('describes the push body with the same schema the handler validates', () => {
  const doc = buildOpenApiDocument() as {
    paths: Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }
      >
    >;
  };
  const push = doc.paths['/api/v1/stores/{storeId}/sync/push']!.post!;
  expect(push.requestBody!.content['application/json']!.schema.required).toEqual(
    expect.arrayContaining(['deviceId', 'schemaVersion', 'mutations']),
  );
});

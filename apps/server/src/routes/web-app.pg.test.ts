import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestDb, type TestDb } from '../db/test-support/engines';
import { buildObservedApp } from '../observability/test-support/observed-app';

/**
 * The web build as apps/web's precompress plugin leaves it (each text file with `.br` and `.gz`
 * copies, small and binary files without), served by the real app.
 */
const script = `export const rows = [${Array.from({ length: 2000 }, (_, i) => `{ id: ${i}, name: 'row ${i}' }`).join(', ')}];\n`;
const html = `<!doctype html><html><head><title>Mango</title></head><body>${'<div id="root"></div>'.repeat(100)}</body></html>`;
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

let dir: string;
let handle: TestDb;
let app: FastifyInstance;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mango-web-'));
  mkdirSync(path.join(dir, 'assets'));
  const text = { 'index.html': html, 'sw.js': script, 'assets/app-Ab12Cd34.js': script };
  for (const [file, body] of Object.entries(text)) {
    writeFileSync(path.join(dir, file), body);
    writeFileSync(path.join(dir, `${file}.br`), brotliCompressSync(body));
    writeFileSync(path.join(dir, `${file}.gz`), gzipSync(body));
  }
  writeFileSync(path.join(dir, 'icon-192.png'), png);
  handle = await makeTestDb();
  app = await buildObservedApp(handle.db, { WEB_DIST_DIR: dir });
});
afterAll(async () => {
  await app.close();
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string, acceptEncoding?: string) =>
  app.inject({
    method: 'GET',
    url,
    headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
  });

describe('static web app, precompressed', () => {
  it.each([
    ['br', 'br', brotliDecompressSync],
    ['gzip', 'gzip', gunzipSync],
    ['gzip, deflate, br', 'br', brotliDecompressSync],
    ['', undefined, (b: Buffer) => b],
    ['identity', undefined, (b: Buffer) => b],
    [undefined, undefined, (b: Buffer) => b],
  ])(
    'a hashed asset asked with accept-encoding %j comes as %s',
    async (accept, encoding, decode) => {
      const res = await get('/assets/app-Ab12Cd34.js', accept);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
      expect(res.headers.vary).toMatch(/accept-encoding/i);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
      expect(decode(res.rawPayload).toString('utf8')).toBe(script);
      if (encoding) expect(res.rawPayload.length).toBeLessThan(script.length / 4);
    },
  );

  it.each(['/', '/index.html', '/clients/42'])(
    'the shell at %s comes compressed and is always revalidated',
    async (url) => {
      const res = await get(url, 'br');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(brotliDecompressSync(res.rawPayload).toString('utf8')).toBe(html);
    },
  );

  it('the service worker is always revalidated', async () => {
    const res = await get('/sw.js', 'gzip');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(gunzipSync(res.rawPayload).toString('utf8')).toBe(script);
  });

  it('a file without compressed copies comes as it is, whatever is accepted', async () => {
    const res = await get('/icon-192.png', 'br, gzip');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload.equals(png)).toBe(true);
  });

  it('a missing asset is a 404, not a compressed copy of something else', async () => {
    for (const accept of ['br', 'gzip', undefined]) {
      const res = await get('/assets/missing-Zz99.js', accept);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-encoding']).toBeUndefined();
    }
    // The compressed copies are not addressable by their own names as something else.
    const direct = await get('/assets/app-Ab12Cd34.js.br');
    expect(direct.headers['content-encoding']).toBeUndefined();
  });
});

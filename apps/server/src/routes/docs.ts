import type { FastifyInstance } from 'fastify';

interface OpenApiOperation {
  summary?: string;
  security?: unknown[];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The API reference: the OpenAPI document at /docs/openapi.json and, at /docs, a plain page that
 * lists the operations (no script: the CSP allows none from elsewhere, and none is needed).
 */
export function registerDocsRoutes(app: FastifyInstance, document: Record<string, unknown>): void {
  const json = JSON.stringify(document, null, 2);
  const paths = document.paths as Record<string, Record<string, OpenApiOperation>>;
  const rows = Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(
      ([method, op]) =>
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td>` +
        `<td>${op.security ? 'token' : ''}</td><td>${escapeHtml(op.summary ?? '')}</td></tr>`,
    ),
  );
  const info = document.info as { title: string; version: string };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem;max-width:70rem}td{padding:.3rem .6rem;vertical-align:top;border-bottom:1px solid #ddd}th{text-align:left;padding:.3rem .6rem}</style>
</head><body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>The machine-readable description: <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1). Errors always answer <code>{ "error": { "code", "message", "details"? } }</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Auth</th><th>What it does</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
  app.get('/docs/openapi.json', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(json),
  );
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
}

import {
  errorBodySchema,
  loginRequestSchema,
  pullQuerySchema,
  pullResponseSchema,
  pushRequestSchema,
  pushResponseSchema,
  refreshRequestSchema,
  snapshotLineSchema,
  snapshotQuerySchema,
  availabilityQuerySchema,
  bookingRequestSchema,
  clientConfigSchema,
  moveBookingRequestSchema,
  registerDeviceRequestSchema,
  registerDeviceResponseSchema,
  sessionResponseSchema,
  signupRequestSchema,
} from '@mango/protocol';
import { z } from 'zod';
import {
  listSchema as errorListQuery,
  reportSchema as clientErrorReport,
} from '../routes/client-errors';
import { deviceListSchema, revokedDeviceSchema } from '../routes/devices';
import { querySchema as historyQuery } from '../routes/history';
import {
  availabilitySchema,
  bookedSchema,
  bookingViewSchema,
  publicStoreSchema,
} from '../routes/public-booking';
import { setPinSchema, verifiersQuerySchema, verifyPinSchema } from '../routes/staff-pins';
import { ackSchema, eventsQuerySchema } from '../routes/sync';
import { newUserSchema, updateUserSchema } from '../routes/users';

/**
 * The API's operations and the zod schemas their handlers validate with (the same objects, so
 * the document cannot describe a different shape than the server accepts), turned into an
 * OpenAPI 3.1 document. A test compares this list with the routes the app registers, and the
 * committed docs/openapi.json with what this file generates (`npm run docs:openapi`).
 */
export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Fastify's form, `/api/v1/stores/:storeId/...`. */
  path: string;
  summary: string;
  tag: string;
  /** Needs `Authorization: Bearer <access token>`. */
  auth?: 'bearer' | 'metrics-token';
  body?: z.ZodType;
  query?: z.ZodType;
  /** The success status and its body (none for 204); with a contentType, the body is in it. */
  success: { status: number; body?: z.ZodType; contentType?: string };
  /** Error statuses this operation answers besides 500 (all in the common error body). */
  errors?: number[];
}

const okStatus = z.object({ status: z.string() });
const readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()),
});
const idOnly = z.object({ id: z.uuid() });
const anyObject = z.record(z.string(), z.unknown());

/** The public booking API: no sign-in; limited per client address and per store page. */
const PUBLIC_BOOKING: Operation[] = [
  {
    method: 'GET',
    path: '/api/v1/public/stores/:slug',
    tag: 'online booking',
    summary:
      'A store’s booking page: name, address, time zone, the services and the staff (display names only) it offers. 404 BOOKING_PAGE_NOT_FOUND or ONLINE_BOOKING_OFF; 400 INVALID_SLUG.',
    success: { status: 200, body: publicStoreSchema },
    errors: [400, 404, 429],
  },
  {
    method: 'GET',
    path: '/api/v1/public/stores/:slug/availability',
    tag: 'online booking',
    summary:
      'Free start times of a day for a service with one staff member or anyone (each time lists who could take it). 400 INVALID_DATE, DATE_IN_PAST, TOO_FAR_AHEAD, SERVICE_NOT_OFFERED, STAFF_NOT_OFFERED.',
    query: availabilityQuerySchema,
    success: { status: 200, body: availabilitySchema },
    errors: [400, 404, 429],
  },
  {
    method: 'POST',
    path: '/api/v1/public/stores/:slug/bookings',
    tag: 'online booking',
    summary:
      'Books a free time. Send an Idempotency-Key header (16–100 of A–Z a–z 0–9 _ -), the same on every retry: a retry books once and gets another link to the same booking. 409 SLOT_TAKEN carries `times`, the day’s free times now; 422 IDEMPOTENCY_KEY_REUSED when a key is sent again with a different request; 400 IDEMPOTENCY_KEY_REQUIRED and the availability codes.',
    body: bookingRequestSchema,
    success: { status: 201, body: bookedSchema },
    errors: [400, 404, 409, 422, 429],
  },
  {
    method: 'GET',
    path: '/api/v1/public/bookings/:token',
    tag: 'online booking',
    summary: 'A booking by its manage link’s token. 404 BOOKING_NOT_FOUND.',
    success: { status: 200, body: bookingViewSchema },
    errors: [404, 429],
  },
  {
    method: 'PATCH',
    path: '/api/v1/public/bookings/:token',
    tag: 'online booking',
    summary:
      'Moves a booking to another free time (and optionally staff member) while the store’s minimum notice allows. 409 SLOT_TAKEN with `times`, 409 BOOKING_LOCKED.',
    body: moveBookingRequestSchema,
    success: { status: 200, body: bookingViewSchema },
    errors: [400, 404, 409, 429],
  },
  {
    method: 'DELETE',
    path: '/api/v1/public/bookings/:token',
    tag: 'online booking',
    summary:
      'Cancels a booking while the store’s minimum notice allows (again: the same answer). 409 BOOKING_LOCKED.',
    success: { status: 200, body: bookingViewSchema },
    errors: [404, 409, 429],
  },
];

export const OPERATIONS: Operation[] = [
  {
    method: 'GET',
    path: '/healthz',
    tag: 'operations',
    summary: 'The process is up (for restarts).',
    success: { status: 200, body: okStatus },
  },
  {
    method: 'GET',
    path: '/readyz',
    tag: 'operations',
    summary:
      'It can serve: database, migrations and Redis answer (for load balancers). 503 with the failing checks otherwise.',
    success: { status: 200, body: readiness },
    errors: [503],
  },
  {
    method: 'GET',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics. Served only when METRICS_TOKEN is configured.',
    auth: 'metrics-token',
    success: { status: 200, contentType: 'text/plain' },
    errors: [401],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/signup',
    tag: 'auth',
    summary: 'Create an organization, its first store and its owner; returns a session.',
    body: signupRequestSchema,
    success: { status: 201, body: sessionResponseSchema },
    errors: [400, 409, 429],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/login',
    tag: 'auth',
    summary: 'Sign in with email and password.',
    body: loginRequestSchema,
    success: { status: 200, body: sessionResponseSchema },
    errors: [400, 401, 429],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/refresh',
    tag: 'auth',
    summary: 'Exchange a refresh token for a new session (the old refresh token is spent).',
    body: refreshRequestSchema,
    success: { status: 200, body: sessionResponseSchema },
    errors: [400, 401, 429],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/logout',
    tag: 'auth',
    summary: 'Revoke a refresh token.',
    body: refreshRequestSchema,
    success: { status: 204 },
    errors: [400],
  },
  {
    method: 'POST',
    path: '/api/v1/stores/:storeId/devices',
    tag: 'devices',
    summary: 'Register a device to the store (managers and owners).',
    auth: 'bearer',
    body: registerDeviceRequestSchema,
    success: { status: 201, body: registerDeviceResponseSchema },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/devices',
    tag: 'devices',
    summary:
      'The store’s devices: name, registered at, last seen, last mutation id, revoked at (managers and owners).',
    auth: 'bearer',
    success: { status: 200, body: deviceListSchema },
    errors: [401, 403, 404],
  },
  {
    method: 'DELETE',
    path: '/api/v1/stores/:storeId/devices/:deviceId',
    tag: 'devices',
    summary:
      'Revoke a device (managers and owners): its push, pull and events answer 403 DEVICE_REVOKED, and its id cannot register again. Idempotent.',
    auth: 'bearer',
    success: { status: 200, body: revokedDeviceSchema },
    errors: [401, 403, 404],
  },
  {
    method: 'PUT',
    path: '/api/v1/stores/:storeId/staff/:staffId/pin',
    tag: 'staff',
    summary: 'Set a staff member’s PIN.',
    auth: 'bearer',
    body: setPinSchema,
    success: { status: 204 },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'POST',
    path: '/api/v1/stores/:storeId/staff/:staffId/pin/verify',
    tag: 'staff',
    summary: 'Check a staff member’s PIN on a registered device.',
    auth: 'bearer',
    body: verifyPinSchema,
    success: { status: 200, body: anyObject },
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/staff/pin-verifiers',
    tag: 'staff',
    summary: 'PIN verifiers for offline staff switching, for a registered device.',
    auth: 'bearer',
    query: verifiersQuerySchema,
    success: { status: 200, body: anyObject },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/tickets',
    tag: 'history',
    summary: 'Closed (or, with status=voided, voided) tickets, newest first, a page at a time.',
    auth: 'bearer',
    query: historyQuery,
    success: { status: 200, body: anyObject },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/catalog',
    tag: 'catalog',
    summary: 'The store’s services and staff (cached read).',
    auth: 'bearer',
    success: { status: 200, body: anyObject },
    errors: [401, 403, 404],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/usage',
    tag: 'usage',
    summary: 'The store’s plan and its usage against the plan’s quotas.',
    auth: 'bearer',
    success: { status: 200, body: anyObject },
    errors: [401, 403, 404],
  },
  {
    method: 'POST',
    path: '/api/v1/stores/:storeId/users',
    tag: 'users',
    summary:
      'Add a sign-in to the store, or give a user of the organization a role here: 201 when the account is new, 200 when it existed. Managers add front desk and technicians; only an owner adds managers and owners (403 FORBIDDEN_ROLE).',
    auth: 'bearer',
    body: newUserSchema,
    success: { status: 201, body: anyObject },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/users',
    tag: 'users',
    summary: 'The store’s sign-ins with role and active state (owners and managers).',
    auth: 'bearer',
    success: { status: 200, body: anyObject },
    errors: [401, 403, 404],
  },
  {
    method: 'PATCH',
    path: '/api/v1/stores/:storeId/users/:userId',
    tag: 'users',
    summary:
      'Change a sign-in’s role and/or deactivate or reactivate it. Refused: 403 FORBIDDEN_ROLE (a manager changing managers or owners), 403 SELF_CHANGE (raising one’s own role, deactivating oneself), 409 LAST_OWNER. Losing rights ends the account’s sessions at once.',
    auth: 'bearer',
    body: updateUserSchema,
    success: { status: 200, body: anyObject },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'DELETE',
    path: '/api/v1/stores/:storeId/users/:userId',
    tag: 'users',
    summary: 'Remove a sign-in from the store (same rules as PATCH); its sessions end at once.',
    auth: 'bearer',
    success: { status: 204 },
    errors: [401, 403, 404, 409],
  },
  {
    method: 'POST',
    path: '/api/v1/client-errors',
    tag: 'errors',
    summary:
      'Report a browser error (token optional; the store is kept only if the token grants it).',
    body: clientErrorReport,
    success: { status: 202, body: idOnly },
    errors: [400, 429],
  },
  {
    method: 'GET',
    path: '/api/v1/client-config',
    tag: 'errors',
    summary:
      'What the web app needs from its server at start (no token): the Sentry DSN, release, environment and sample rate for @sentry/react, or null when SENTRY_DSN is unset.',
    success: { status: 200, body: clientConfigSchema },
    errors: [429], // the per-IP limit of API_RATE_LIMITS
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/errors',
    tag: 'errors',
    summary: 'The store’s recent errors, browser and server (owners and managers).',
    auth: 'bearer',
    query: errorListQuery,
    success: { status: 200, body: anyObject },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'GET',
    path: '/api/v1/sync/mutators',
    tag: 'sync',
    summary: 'The catalog of mutators (name and argument schema) the server applies.',
    success: { status: 200, body: anyObject },
    errors: [429],
  },
  {
    method: 'POST',
    path: '/api/v1/stores/:storeId/sync/push',
    tag: 'sync',
    summary: 'Apply a device’s mutations in order; each is applied, rejected or a duplicate.',
    auth: 'bearer',
    body: pushRequestSchema,
    success: { status: 200, body: pushResponseSchema },
    errors: [400, 401, 403, 404, 413, 429, 503],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/sync/pull',
    tag: 'sync',
    summary:
      'Changes after a cursor, the device’s lastMutationId and its unacknowledged rejections.',
    auth: 'bearer',
    query: pullQuerySchema,
    success: { status: 200, body: pullResponseSchema },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/sync/snapshot',
    tag: 'sync',
    summary:
      'The store’s current rows for a device’s first sync, streamed as NDJSON (brotli or gzip when accepted): a `head` line (cursor, epoch, lastMutationId, row estimates), `rows` chunks with a `resume` token each, an `essentials` marker, an `end` line. The schema is that of one line. With `resume` and `cursor` (and `epoch`) it continues after that chunk; the device then pulls from the oldest head cursor (docs/SYNC.md, "Snapshot").',
    auth: 'bearer',
    query: snapshotQuerySchema,
    success: { status: 200, body: snapshotLineSchema, contentType: 'application/x-ndjson' },
    errors: [400, 401, 403, 404, 409, 429],
  },
  {
    method: 'POST',
    path: '/api/v1/stores/:storeId/sync/rejections/ack',
    tag: 'sync',
    summary: 'Acknowledge rejections the device has shown to staff.',
    auth: 'bearer',
    body: ackSchema,
    success: { status: 200, body: z.object({ acknowledged: z.number().int() }) },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'GET',
    path: '/api/v1/stores/:storeId/sync/events',
    tag: 'sync',
    summary: 'Server-sent events: `event: version` whenever the store’s version advances.',
    auth: 'bearer',
    query: eventsQuerySchema,
    success: { status: 200, contentType: 'text/event-stream' },
    errors: [401, 403, 404, 429],
  },
  ...PUBLIC_BOOKING,
];

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function parameters(op: Operation): JsonSchema[] {
  // Ids are uuids; the public booking routes' slug and manage-link token are not.
  const params: JsonSchema[] = [...op.path.matchAll(/:(\w+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: m[1]!.endsWith('Id') ? { type: 'string', format: 'uuid' } : { type: 'string' },
  }));
  if (op.query) {
    const query = jsonSchema(op.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(
      (query.properties ?? {}) as Record<string, JsonSchema>,
    )) {
      params.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  return params;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed (code VALIDATION_FAILED).',
  401: 'No valid token.',
  403: 'No access to this store, or the role may not do this.',
  404: 'No such store or resource.',
  409: 'Conflict (see the error code).',
  413: 'The body is too large.',
  429: 'Rate limited: see Retry-After.',
  500: 'Unexpected failure; the message carries a reference (the request id).',
  503: 'Temporarily unavailable: retry.',
};

/** The OpenAPI 3.1 document for the operations above. Deterministic: the committed copy is diffed. */
export function buildOpenApiDocument(release = '0.1.0'): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, JsonSchema> = {};
    const { status, body, contentType } = op.success;
    responses[String(status)] = {
      description: status === 204 ? 'Done, no body.' : 'Success.',
      ...(body
        ? {
            content: {
              [contentType ?? 'application/json']: { schema: jsonSchema(body, 'output') },
            },
          }
        : contentType
          ? { content: { [contentType]: { schema: { type: 'string' } } } }
          : {}),
    };
    for (const code of [...(op.errors ?? []), 500]) {
      responses[String(code)] = {
        description: STATUS_TEXT[code] ?? 'Error.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
      };
    }
    (paths[openApiPath(op.path)] ??= {})[op.method.toLowerCase()] = {
      operationId: `${op.method.toLowerCase()}${op.path.replace(/[/:](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/[^\w]/g, '')}`,
      summary: op.summary,
      tags: [op.tag],
      // `security: []` says "public" explicitly, so a forgotten `auth` reads as a decision.
      security:
        op.auth === 'bearer'
          ? [{ bearer: [] }]
          : op.auth === 'metrics-token'
            ? [{ metricsToken: [] }]
            : [],
      ...(parameters(op).length > 0 ? { parameters: parameters(op) } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(op.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mango POS API',
      version: release,
      // Not open source (the root package.json is private): an SPDX LicenseRef names that.
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      description:
        'Local-first salon point of sale. Devices sync through push/pull (docs/SYNC.md); every error answers `{ error: { code, message, details? } }`.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
      schemas: { ErrorBody: jsonSchema(errorBodySchema, 'output') },
    },
  };
}

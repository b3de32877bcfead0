/**
 * Errors that mean the database cannot be reached or gave up on us for now (connection refused,
 * cut or timed out; server shutting down or starting; too many connections; a cancelled
 * statement, a serialization failure or a deadlock). Retrying later can succeed, so the API
 * answers 503 with Retry-After, never 500.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// SQLSTATE: admin/crash shutdown, cannot connect now, too many connections, query cancelled
// (statement timeout), serialization failure, deadlock.
const RETRYABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
  '40001',
  '40P01',
]);
const POOL_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|connection is closed/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || RETRYABLE_SQLSTATES.has(code)) return true;
    // Class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return typeof message === 'string' && POOL_MESSAGES.test(message);
}

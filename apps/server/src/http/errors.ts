/**
 * The API's coded errors. Every error leaves the server as
 * `{ error: { code, message, details? } }` with the status registered here.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const httpErrors = {
  validation: (message: string, details?: unknown) =>
    new HttpError(400, 'VALIDATION_FAILED', message, details),
  unauthorized: (message = 'Sign in again: your session is missing or has expired.') =>
    new HttpError(401, 'UNAUTHORIZED', message),
  forbidden: (message = 'You do not have access to this store.', code = 'FORBIDDEN') =>
    new HttpError(403, code, message),
  notFound: (message = 'Not found.') => new HttpError(404, 'NOT_FOUND', message),
  conflict: (code: string, message: string, details?: unknown) =>
    new HttpError(409, code, message, details),
  payloadTooLarge: (message: string) => new HttpError(413, 'PAYLOAD_TOO_LARGE', message),
  rateLimited: (retryAfterSec: number, message = 'Too many requests: try again shortly.') =>
    new HttpError(
      429,
      'RATE_LIMITED',
      message,
      { retryAfterSec },
      {
        'retry-after': String(retryAfterSec),
      },
    ),
  unavailable: (message = 'The service is temporarily unavailable: retry shortly.') =>
    new HttpError(503, 'SERVICE_UNAVAILABLE', message, undefined, { 'retry-after': '1' }),
};

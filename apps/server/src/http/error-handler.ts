import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorTracker } from '../observability/error-tracker';
import { isDatabaseUnavailable } from '../db/unavailable';
import { HttpError, httpErrors } from './errors';

/**
 * One place that turns anything thrown by a route into the API's error body. Known errors keep
 * their status and code; body-parser and schema failures become 400/413; everything else is a 500
 * whose details stay in the log (with the request id), never in the response. Every 5xx also goes
 * to the error tracker (stored with its stack, forwarded to Sentry when configured).
 */
export function registerErrorHandler(app: FastifyInstance, tracker?: ErrorTracker): void {
  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    if (err instanceof HttpError) {
      if (err.statusCode >= 500) {
        request.log.error({ err }, err.message);
        tracker?.serverError(err, request, err.statusCode);
      } else request.log.info({ code: err.code, status: err.statusCode }, err.message);
      return reply
        .code(err.statusCode)
        .headers(err.headers)
        .send({
          error: {
            code: err.code,
            message: err.message,
            ...(err.details === undefined ? {} : { details: err.details }),
          },
        });
    }
    const fastifyError = err as FastifyError;
    const status = fastifyError.statusCode;
    if (status === 413 || fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' },
      });
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({
        error: {
          code: status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED',
          message: `The request is malformed: ${fastifyError.message}`,
        },
      });
    }
    if (isDatabaseUnavailable(err)) {
      // An outage, not a bug: /readyz and this warning report it; the client retries (found by
      // the postgres-restart fault scenario: pulls answered 500 while the database was away).
      request.log.warn({ err }, 'database unavailable');
      const unavailable = httpErrors.unavailable();
      return reply
        .code(unavailable.statusCode)
        .headers(unavailable.headers)
        .send({ error: { code: unavailable.code, message: unavailable.message } });
    }
    const sqlState = (err as { code?: unknown }).code;
    if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState)) {
      // A data exception (a value PostgreSQL refuses: an unknown time zone, a number out of
      // range): the same request fails the same way again, so it is the client's 400.
      request.log.info({ code: sqlState }, err.message);
      return reply.code(400).send({
        error: { code: 'INVALID_VALUE', message: `A value was refused: ${err.message}` },
      });
    }
    request.log.error({ err }, 'unhandled error');
    tracker?.serverError(err, request, 500);
    return reply.code(500).send({
      error: {
        code: 'INTERNAL',
        message: `Something went wrong on our side. Reference: ${request.id}`,
      },
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: 'NOT_FOUND',
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
      },
    }),
  );
}

/**
 * Fastify's router answers a malformed URL or an over-long path parameter before any route or the
 * error handler runs; passed as the `frameworkErrors` option, this gives them the API's error body
 * too (found by the fuzz suite: they answered Fastify's own `{ error, code: 'FST_ERR_…' }`).
 */
export function frameworkErrorHandler(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  request.log.info({ code: err.code }, err.message);
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.code(tooLong ? 414 : 400).send({
    error: {
      code: tooLong ? 'URI_TOO_LONG' : 'VALIDATION_FAILED',
      message: tooLong
        ? 'A path segment of this URL is too long.'
        : 'The request URL is malformed.',
    },
  });
}

import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from './errors';

/**
 * One place that turns anything thrown by a route into the API's error body. Known errors keep
 * their status and code; body-parser and schema failures become 400/413; everything else is a 500
 * whose details stay in the log (with the request id), never in the response.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    if (err instanceof HttpError) {
      if (err.statusCode >= 500) request.log.error({ err }, err.message);
      else request.log.info({ code: err.code, status: err.statusCode }, err.message);
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
    request.log.error({ err }, 'unhandled error');
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

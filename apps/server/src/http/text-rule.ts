import { describeWireProblem, findUnsafeWireValue } from '@mango/domain';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route checks text inside each mutation itself (sync push): a NUL there refuses that
     * one mutation with INVALID_TEXT instead of the whole push, so the device's outbox drains.
     */
    textCheckedPerMutation?: boolean;
  }
}

/**
 * The one rule for text at the edge (the domain's `findUnsafeWireValue`): a NUL character, a lone
 * UTF-16 surrogate or a hostile nesting depth anywhere in the body, the query or the path
 * parameters → 400 INVALID_TEXT naming the field, before any handler runs. Nothing stored can
 * then hold one, and no database error (a 500) can come of it.
 */
export function registerTextRule(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const parts: [string, unknown][] = [
      ['params', request.params],
      ['query', request.query],
    ];
    if (!request.routeOptions.config.textCheckedPerMutation) parts.push(['body', request.body]);
    for (const [where, value] of parts) {
      const unsafe = findUnsafeWireValue(value);
      if (unsafe) {
        throw new HttpError(400, 'INVALID_TEXT', describeWireProblem(unsafe), {
          in: where,
          field: unsafe.path,
          problem: unsafe.problem,
        });
      }
    }
  });
}

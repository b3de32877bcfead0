import type { z } from 'zod';
import { httpErrors } from './errors';

/** Parses input with a zod schema or throws 400 VALIDATION_FAILED naming the offending fields. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'body',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  const where = first && first.path ? `${what}.${first.path}` : what;
  throw httpErrors.validation(`Invalid ${where}: ${first?.message ?? 'malformed'}`, { issues });
}

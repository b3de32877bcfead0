/**
 * Domain rejections: expected failures of a mutation, with a stable code and a message a person
 * at the front desk understands. A rejection is permanent (the protocol records it and moves on).
 * Anything else thrown by a mutator is a bug or an infrastructure failure, never a rejection.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/** For exhaustive switches over unions: the compiler proves this is never reached. */
export function exhaustiveSwitchError(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}

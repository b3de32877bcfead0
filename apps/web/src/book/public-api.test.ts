import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import { failureText, mayHaveGoneThrough, takenSlotTimes } from './public-api';

describe('reading the public API errors', () => {
  const times = [{ start: '2026-12-08T16:00:00.000Z', staffIds: ['a'] }];

  it('takes the fresh times out of a 409 SLOT_TAKEN, and only out of that', () => {
    const body = { error: { code: 'SLOT_TAKEN', message: 'taken' }, times };
    expect(takenSlotTimes(new ApiError(409, 'SLOT_TAKEN', 'taken', body))).toEqual(times);
    expect(takenSlotTimes(new ApiError(409, 'SLOT_TAKEN', 'taken', null))).toEqual([]);
    expect(takenSlotTimes(new ApiError(409, 'OTHER', 'x', body))).toBeNull();
    expect(takenSlotTimes(new ApiError(400, 'SLOT_TAKEN', 'x', body))).toBeNull();
    expect(takenSlotTimes(new TypeError('offline'))).toBeNull();
  });

  it("tells the client the server's reason for a refusal, never a 5xx's internals", () => {
    expect(failureText(new ApiError(400, 'BAD_PHONE', 'Enter a phone number.'))).toBe(
      'Enter a phone number.',
    );
    expect(failureText(new ApiError(500, 'INTERNAL', 'stack trace…'))).toMatch(/on our side/);
    expect(failureText(new TypeError('Failed to fetch'))).toMatch(/No connection/);
  });

  it('treats no answer or a server error as "may have gone through", a 4xx as "nothing changed"', () => {
    expect(mayHaveGoneThrough(new TypeError('Failed to fetch'))).toBe(true);
    expect(mayHaveGoneThrough(new ApiError(503, 'UNAVAILABLE', 'x'))).toBe(true);
    expect(mayHaveGoneThrough(new ApiError(400, 'BAD_PHONE', 'x'))).toBe(false);
    expect(mayHaveGoneThrough(new ApiError(409, 'SLOT_TAKEN', 'x'))).toBe(false);
  });
});

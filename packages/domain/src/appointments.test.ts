import { describe, expect, it } from 'vitest';
import {
  appointmentEnd,
  assertTransition,
  canTransition,
  findOverlaps,
  intervalsOverlap,
  serviceTermsFor,
} from './appointments';
import type { AppointmentRow } from './entities';
import { DomainError } from './errors';
import { manicure } from './test-support/fixtures';

const appt = (
  id: string,
  start: string,
  end: string,
  extra: Partial<AppointmentRow> = {},
): AppointmentRow => ({
  id,
  staffId: 's',
  serviceId: 'x',
  start,
  end,
  durationMin: 30,
  status: 'booked',
  conflict: false,
  ...extra,
});

describe('appointment rules', () => {
  it('allows only the documented status transitions', () => {
    expect(canTransition('booked', 'checked_in')).toBe(true);
    expect(canTransition('checked_in', 'in_service')).toBe(true);
    expect(canTransition('in_service', 'completed')).toBe(true);
    expect(canTransition('in_service', 'cancelled')).toBe(false);
    expect(canTransition('completed', 'booked')).toBe(false);
    expect(() => assertTransition('cancelled', 'checked_in')).toThrow(DomainError);
    expect(() => assertTransition('no_show', 'in_service')).toThrow(
      /no show cannot become in service/,
    );
  });

  it('takes duration and price from the staff override when there is one', () => {
    expect(serviceTermsFor(manicure, null)).toEqual({ durationMin: 30, priceCents: 2500 });
    expect(serviceTermsFor(manicure, '00000000-0000-4000-8000-00000000000c')).toEqual({
      durationMin: 45,
      priceCents: 3000,
    });
    expect(appointmentEnd('2026-11-24T15:00:00.000Z', 45)).toBe('2026-11-24T15:45:00.000Z');
  });

  it('treats appointments as half-open intervals', () => {
    const a = appt('a', '2026-11-24T10:00:00.000Z', '2026-11-24T11:00:00.000Z');
    expect(
      intervalsOverlap(a, appt('b', '2026-11-24T11:00:00.000Z', '2026-11-24T12:00:00.000Z')),
    ).toBe(false);
    expect(
      intervalsOverlap(a, appt('b', '2026-11-24T10:59:00.000Z', '2026-11-24T12:00:00.000Z')),
    ).toBe(true);
  });

  it('finds active overlaps of the same staff member only', () => {
    const self = appt('m', '2026-11-24T10:00:00.000Z', '2026-11-24T11:00:00.000Z');
    const others = [
      appt('z', '2026-11-24T10:30:00.000Z', '2026-11-24T10:45:00.000Z'),
      appt('c', '2026-11-24T09:30:00.000Z', '2026-11-24T10:15:00.000Z'),
      appt('d', '2026-11-24T10:30:00.000Z', '2026-11-24T10:45:00.000Z', { status: 'cancelled' }),
      appt('e', '2026-11-24T10:30:00.000Z', '2026-11-24T10:45:00.000Z', { staffId: 'other' }),
      self,
    ];
    expect(findOverlaps(self, others).map((a) => a.id)).toEqual(['c', 'z']);
  });
});

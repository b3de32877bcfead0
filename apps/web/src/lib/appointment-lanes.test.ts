import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appointmentLanes, type Span } from './appointment-lanes';

const span = (id: string, start: number, end: number): Span => ({ id, start, end });
const overlap = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

describe('appointmentLanes', () => {
  it('gives a lone appointment the whole column', () => {
    expect(appointmentLanes([span('a', 600, 645)])).toEqual(
      new Map([['a', { lane: 0, lanes: 1 }]]),
    );
  });

  it('puts two overlapping appointments side by side', () => {
    const lanes = appointmentLanes([span('b', 615, 660), span('a', 600, 645)]);
    expect(lanes.get('a')).toEqual({ lane: 0, lanes: 2 });
    expect(lanes.get('b')).toEqual({ lane: 1, lanes: 2 });
  });

  it('keeps back-to-back appointments in one lane (half-open times)', () => {
    const lanes = appointmentLanes([span('a', 600, 660), span('b', 660, 720)]);
    expect(lanes.get('a')).toEqual({ lane: 0, lanes: 1 });
    expect(lanes.get('b')).toEqual({ lane: 0, lanes: 1 });
  });

  it('reuses a freed lane and sizes each cluster on its own', () => {
    // a overlaps b and c; b and c do not overlap: two lanes, c takes the lane b freed (at equal
    // starts the shorter one comes first). d is alone later on.
    const lanes = appointmentLanes([
      span('a', 600, 720),
      span('b', 600, 630),
      span('c', 640, 700),
      span('d', 800, 830),
    ]);
    expect(lanes.get('b')).toEqual({ lane: 0, lanes: 2 });
    expect(lanes.get('a')).toEqual({ lane: 1, lanes: 2 });
    expect(lanes.get('c')).toEqual({ lane: 0, lanes: 2 });
    expect(lanes.get('d')).toEqual({ lane: 0, lanes: 1 });
  });

  it('works on ISO instants as well as minutes', () => {
    const lanes = appointmentLanes([
      { id: 'a', start: '2026-03-02T15:00:00.000Z', end: '2026-03-02T15:45:00.000Z' },
      { id: 'b', start: '2026-03-02T15:30:00.000Z', end: '2026-03-02T16:00:00.000Z' },
    ]);
    expect([lanes.get('a')?.lane, lanes.get('b')?.lane]).toEqual([0, 1]);
  });

  it('never gives overlapping appointments one lane, and needs no more lanes than the most at once', () => {
    const spans = fc
      .array(
        fc.record({
          start: fc.integer({ min: 0, max: 200 }),
          length: fc.integer({ min: 1, max: 60 }),
        }),
        { maxLength: 30 },
      )
      .map((xs) => xs.map((x, i) => span(`a${i}`, x.start, x.start + x.length)));
    fc.assert(
      fc.property(spans, (xs) => {
        const lanes = appointmentLanes(xs);
        expect(lanes.size).toBe(xs.length);
        const maxAtOnce = Math.max(
          0,
          ...xs.map((x) => xs.filter((y) => y.start <= x.start && x.start < y.end).length),
        );
        for (const a of xs) {
          const la = lanes.get(a.id)!;
          expect(la.lane).toBeGreaterThanOrEqual(0);
          expect(la.lane).toBeLessThan(la.lanes);
          expect(la.lanes).toBeLessThanOrEqual(maxAtOnce);
          for (const b of xs) {
            if (a === b || !overlap(a, b)) continue;
            const lb = lanes.get(b.id)!;
            expect(lb.lane).not.toBe(la.lane);
            // Overlapping appointments are in one cluster: the same width, so never drawn over.
            expect(lb.lanes).toBe(la.lanes);
          }
        }
      }),
    );
  });
});

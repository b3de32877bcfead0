import type { ServiceRow } from '@mango/domain/entities';
import { describe, expect, it } from 'vitest';
import { visitItems } from './visit-items';

const services: ServiceRow[] = [
  { id: 'mani', name: 'Manicure', durationMin: 45, priceCents: 4000, taxable: false },
  { id: 'pedi', name: 'Pedicure', durationMin: 60, priceCents: 5000, taxable: false },
];
const AT = '2026-03-02T15:00:00.000Z';
let n = 0;
const ids = () => `id-${++n}`;

describe('visitItems', () => {
  it('puts services one after another by default', () => {
    const { items, starts } = visitItems(
      AT,
      [
        { serviceId: 'mani', staffId: 'linh', together: false },
        { serviceId: 'pedi', staffId: 'mai', together: false },
      ],
      services,
      ids,
    );
    expect(items.map((i) => i.start)).toEqual([undefined, undefined]);
    expect(starts).toEqual([AT, '2026-03-02T15:45:00.000Z']);
  });

  it('gives a service done together the start of the one before, only with another technician', () => {
    const rows = [
      { serviceId: 'mani', staffId: 'linh', together: false },
      { serviceId: 'pedi', staffId: 'mai', together: true },
      { serviceId: 'mani', staffId: 'mai', together: true },
    ];
    const { items, starts } = visitItems(AT, rows, services, ids);
    expect(items.map((i) => i.start)).toEqual([undefined, AT, undefined]);
    expect(starts).toEqual([AT, AT, '2026-03-02T16:00:00.000Z']);
  });
});

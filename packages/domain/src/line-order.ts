import type { TicketLineRow } from './entities';

/**
 * Lines in the order they were added: `position` (set by the mutator that adds the line), then
 * id for lines added before positions existed (they have none and come first, as before).
 * Ids are random UUIDs, so sorting by id alone shuffled the lines a person had entered.
 */
export function byLineOrder(
  a: Pick<TicketLineRow, 'id' | 'position'>,
  b: Pick<TicketLineRow, 'id' | 'position'>,
): number {
  const byPosition = (a.position ?? 0) - (b.position ?? 0);
  if (byPosition !== 0) return byPosition;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The position of a line added now: after every line on the ticket. */
export function nextLinePosition(lines: readonly Pick<TicketLineRow, 'position'>[]): number {
  return lines.reduce((max, line) => Math.max(max, line.position ?? 0), 0) + 1;
}

import { nextTicketNumber } from '@mango/domain/ticket-numbers';
import type { LocalReader } from '@mango/sync-client';
import { businessDate } from '@mango/domain/time';
import { newId } from './ids';
import { navigate } from './router';
import { deviceCodeOf } from './session';

/**
 * The readable number for a ticket this device opens now ("B-012"): its code, then one more
 * than its highest number of the store's business day, from the local view (its synced tickets
 * and the ones still in its outbox), so it works offline and never collides with another
 * device's (packages/domain/src/ticket-numbers.ts). Undefined when the device does not know its
 * code yet or used up the day's numbers: the ticket then opens without one.
 */
export async function numberForNewTicket(device: {
  storeId: string;
  store: LocalReader;
}): Promise<string | undefined> {
  const code = deviceCodeOf(device.storeId);
  if (!code) return undefined;
  const store = await device.store.get('store', device.storeId);
  if (!store) return undefined;
  const day = businessDate(new Date().toISOString(), store.timeZone);
  const today = await device.store.list('ticket', { where: { businessDate: day } });
  return (
    nextTicketNumber(
      code,
      today.map((t) => t.number),
    ) ?? undefined
  );
}

/**
 * Opens a ticket through a mutator that starts one from something else (`appointment.complete`,
 * `walkIn.startTicket`) with this device's next readable number, then goes to checkout.
 */
export async function startTicketFrom(
  deps: {
    device: { storeId: string; store: LocalReader };
    mutate: (name: string, args: Record<string, unknown>) => Promise<boolean>;
  },
  name: 'appointment.complete' | 'walkIn.startTicket',
  args: Record<string, unknown>,
): Promise<void> {
  const ticketId = newId();
  const number = await numberForNewTicket(deps.device);
  const opened = await deps.mutate(name, {
    ...args,
    ticketId,
    lineId: newId(),
    ...(number ? { number } : {}),
  });
  if (opened) navigate(`/checkout/${ticketId}`);
}

import { checkStock, unitsOnTicket } from '@mango/domain/stock';
import { useDevice } from './useDevice';
import { useLive } from './useLive';
import { useStoreRow } from './useStoreRow';

/**
 * The desk's stock check before a product goes on a ticket (packages/domain/src/stock.ts): with
 * the store's `allowNegativeStock` off it refuses past zero (OUT_OF_STOCK's message), with it on
 * it warns and lets the sale through. Only here, on the device: the server never refuses a sale
 * on stock, so a sale made offline against a count another desk had already used up is kept.
 * `gate(productId, units, exceptLineId)` answers whether to go ahead.
 */
export function useStockGate(ticketId: string) {
  const { notify } = useDevice();
  const { store } = useStoreRow();
  const products = useLive((r) => r.list('product'), []);
  const lines = useLive((r) => r.list('ticketLine', { where: { ticketId } }), [ticketId]);
  return (productId: string, units: number, exceptLineId?: string): boolean => {
    const product = products?.find((p) => p.id === productId);
    if (!product) return true;
    const onTicket = unitsOnTicket(lines ?? [], productId, exceptLineId);
    const check = checkStock(product, onTicket, units, store);
    if (check.message) notify(check.message, check.ok ? 'info' : 'error');
    return check.ok;
  };
}

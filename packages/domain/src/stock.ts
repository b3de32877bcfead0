import type { ProductRow, StoreRow, TicketLineRow } from './entities';
import { reject } from './error-codes';

/**
 * Retail stock. Who decides what, and why:
 *
 * - A sale takes its products off the shelf when the ticket closes (ticket.close); a refund by
 *   line with "return to stock" puts them back (ticket.refund); deliveries come in with
 *   product.receiveStock.
 * - The server never refuses a sale on stock. Two desks may each sell the last bottle while
 *   offline; when both sync, refusing the second one's line on the server would leave a paid
 *   ticket without the line it was paid for: the sale would be lost, or its money would no longer
 *   match its lines. The shelf is the truth (the client walked out with the bottle), so the count
 *   goes negative and the low-stock list shows it for a recount.
 * - The device checks before it sells (`checkStock`, on what it knows): with the store's
 *   `allowNegativeStock` off (the default) it refuses with OUT_OF_STOCK, with it on it warns.
 *   This cannot be a rejection inside a mutator: the mutator runs again on the server, where it
 *   would refuse exactly the offline sale described above.
 */

/** A store's low-stock threshold when it has none set. */
export const DEFAULT_LOW_STOCK_AT = 3;

export interface StockCheck {
  /** May the desk sell it? */
  ok: boolean;
  /** Units left on the shelf after this ticket's units (negative: sold past zero). */
  leftAfter: number;
  /** What to tell the person, when anything. */
  message: string | null;
}

/**
 * Whether `units` more of a product may go on a ticket that already holds `onTicket` of it.
 * Closed tickets already came off `stockCount`; open tickets on other desks do not reserve stock.
 */
export function checkStock(
  product: Pick<ProductRow, 'name' | 'stockCount'>,
  onTicket: number,
  units: number,
  store: Pick<StoreRow, 'allowNegativeStock'> | undefined,
): StockCheck {
  const leftAfter = product.stockCount - onTicket - units;
  if (leftAfter >= 0) return { ok: true, leftAfter, message: null };
  const available = Math.max(0, product.stockCount - onTicket);
  const text =
    available === 0
      ? `${product.name} is out of stock.`
      : `Only ${available} of ${product.name} ${available === 1 ? 'is' : 'are'} in stock.`;
  if (store?.allowNegativeStock === true) {
    return { ok: true, leftAfter, message: `${text} Sold anyway: count the shelf.` };
  }
  return { ok: false, leftAfter, message: text };
}

/** `checkStock` as a coded rejection, for callers that work with rejections. */
export function requireInStock(
  product: Pick<ProductRow, 'id' | 'name' | 'stockCount'>,
  onTicket: number,
  units: number,
  store: Pick<StoreRow, 'allowNegativeStock'> | undefined,
): StockCheck {
  const check = checkStock(product, onTicket, units, store);
  if (!check.ok) {
    reject('OUT_OF_STOCK', check.message ?? `${product.name} is out of stock.`, {
      productId: product.id,
      stockCount: product.stockCount,
    });
  }
  return check;
}

/** Units of a product already on a ticket's lines (a line may be left out: the one changed). */
export function unitsOnTicket(
  lines: readonly TicketLineRow[],
  productId: string,
  exceptLineId?: string,
): number {
  return lines
    .filter((l) => l.kind === 'product' && l.itemId === productId && l.id !== exceptLineId)
    .reduce((sum, l) => sum + l.quantity, 0);
}

export function lowStockThreshold(
  product: Pick<ProductRow, 'lowStockAt'>,
  store: Pick<StoreRow, 'lowStockAt'> | undefined,
): number {
  return product.lowStockAt ?? store?.lowStockAt ?? DEFAULT_LOW_STOCK_AT;
}

/** Active products at or below their threshold, the emptiest first. */
export function lowStockProducts<P extends ProductRow>(
  products: readonly P[],
  store: Pick<StoreRow, 'lowStockAt'> | undefined,
): P[] {
  return products
    .filter((p) => p.active !== false && p.stockCount <= lowStockThreshold(p, store))
    .sort((a, b) => a.stockCount - b.stockCount || a.name.localeCompare(b.name));
}

/** How many deliveries a product row keeps (product.receiveStock): enough to answer "when?". */
export const STOCK_RECEIPTS_KEPT = 20;

import type { ProductRow } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import { DEFAULT_LOW_STOCK_AT, lowStockProducts, lowStockThreshold } from '@mango/domain/stock';
import { useState, type FormEvent } from 'react';
import { useDevice } from '../../hooks/useDevice';
import { useLive } from '../../hooks/useLive';
import { useStoreRow } from '../../hooks/useStoreRow';
import { newId } from '../../lib/ids';
import { Dialog } from '../../ui/Dialog';

/**
 * Retail stock: what is low (each product's threshold, else the store's), deliveries received
 * (product.receiveStock, with a note), and the store's stock rules. Counts can be negative: the
 * server never refuses a sale on stock (packages/domain/src/stock.ts), so a negative count means
 * the shelf needs a recount.
 */
export function StockTab() {
  const { role } = useDevice();
  const { store } = useStoreRow();
  const products = useLive((r) => r.list('product'), []);
  const [receiving, setReceiving] = useState<ProductRow | null>(null);
  const mayReceive = can(role, 'catalog.manage');
  const active = [...(products ?? [])]
    .filter((p) => p.active !== false)
    .sort((a, b) => a.name.localeCompare(b.name));
  const low = lowStockProducts(active, store);
  return (
    <div className="stack">
      <div className="card" aria-label="Low stock">
        <h2>Low stock</h2>
        {low.length === 0 ? (
          <p className="muted">Nothing is low.</p>
        ) : (
          <ul className="list">
            {low.map((p) => (
              <li key={p.id}>
                <span>{p.name}</span>
                <span className={p.stockCount <= 0 ? 'error' : ''}>
                  {p.stockCount} left (low at {lowStockThreshold(p, store)})
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="card">
        <h2>Stock</h2>
        <table>
          <thead>
            <tr>
              <th>Product</th>
              <th className="num">In stock</th>
              <th>Last delivery</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {active.map((p) => {
              const last = p.stockReceipts?.at(-1);
              return (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td className="num" aria-label={`Stock of ${p.name}`}>
                    {p.stockCount}
                  </td>
                  <td className="muted">
                    {last ? `${last.units} on ${last.at.slice(0, 10)} ${last.note ?? ''}` : '—'}
                  </td>
                  <td>
                    {mayReceive && (
                      <button
                        type="button"
                        aria-label={`Receive ${p.name}`}
                        onClick={() => setReceiving(p)}
                      >
                        Receive
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {can(role, 'store.settings') && <StockSettings />}
      {receiving && <ReceiveStock product={receiving} onClose={() => setReceiving(null)} />}
    </div>
  );
}

function ReceiveStock({ product, onClose }: { product: ProductRow; onClose: () => void }) {
  const { mutate } = useDevice();
  const [units, setUnits] = useState('1');
  const [note, setNote] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await mutate('product.receiveStock', {
      productId: product.id,
      receiptId: newId(),
      units: Number(units),
      ...(note.trim() ? { note: note.trim() } : {}),
    });
    if (ok) onClose();
  }
  return (
    <Dialog title={`Receive ${product.name}`} onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <label>
          Units received
          <input
            type="number"
            min={1}
            required
            value={units}
            onChange={(e) => setUnits(e.target.value)}
          />
        </label>
        <label>
          Note
          <input
            type="text"
            maxLength={200}
            placeholder="Supplier, invoice"
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </label>
        <button type="submit" className="primary">
          Add to stock
        </button>
      </form>
    </Dialog>
  );
}

function StockSettings() {
  const { mutate } = useDevice();
  const { store } = useStoreRow();
  const [lowAt, setLowAt] = useState<string | null>(null);
  const shownLowAt = lowAt ?? String(store?.lowStockAt ?? DEFAULT_LOW_STOCK_AT);
  return (
    <form
      className="card stack"
      aria-label="Stock rules"
      onSubmit={(e) => {
        e.preventDefault();
        void mutate('store.updateSettings', { lowStockAt: Number(shownLowAt) }).then(
          (ok) => ok && setLowAt(null),
        );
      }}
    >
      <h2>Stock rules</h2>
      <label className="check">
        <input
          type="checkbox"
          checked={store?.allowNegativeStock === true}
          onChange={(e) =>
            void mutate('store.updateSettings', { allowNegativeStock: e.target.checked })
          }
        />{' '}
        Sell past zero in stock (the desk warns instead of refusing)
      </label>
      <label>
        Low stock at
        <input
          type="number"
          min={0}
          value={shownLowAt}
          onChange={(e) => setLowAt(e.target.value)}
        />
      </label>
      <button type="submit">Save</button>
    </form>
  );
}

import type { TicketLineRow } from '@mango/domain/entities';
import { MAX_QUANTITY } from '@mango/domain/money-bounds';
import { useEffect, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useStockGate } from '../hooks/useStockGate';

/**
 * How many of a service or product a line holds (nail art per nail: one line × 10), with − and +
 * or typed in; `ticket.setLineQuantity` recomputes the totals. A gift card line is one card.
 */
export function LineQuantity({ ticketId, line }: { ticketId: string; line: TicketLineRow }) {
  const { mutate } = useDevice();
  const stockGate = useStockGate(ticketId);
  const [typed, setTyped] = useState(String(line.quantity));
  // Another device or the − / + buttons changed it: show the stored quantity again.
  useEffect(() => setTyped(String(line.quantity)), [line.quantity]);

  if (line.kind === 'gift_card') return null;
  const set = (quantity: number) => {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      setTyped(String(line.quantity));
      return;
    }
    // More units of a product: the desk's stock check first (useStockGate).
    const more = line.kind === 'product' && quantity > line.quantity;
    if (more && !stockGate(line.itemId, quantity, line.id)) {
      setTyped(String(line.quantity));
      return;
    }
    if (quantity !== line.quantity) {
      void mutate('ticket.setLineQuantity', { ticketId, lineId: line.id, quantity });
    }
  };

  return (
    <div className="row quantity" role="group" aria-label={`Quantity of ${line.name}`}>
      <button
        type="button"
        aria-label={`One less ${line.name}`}
        disabled={line.quantity <= 1}
        onClick={() => set(line.quantity - 1)}
      >
        −
      </button>
      <input
        type="number"
        inputMode="numeric"
        min={1}
        max={MAX_QUANTITY}
        step={1}
        className="qty"
        aria-label="Quantity"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        onBlur={() => set(Number(typed))}
        onKeyDown={(e) => {
          if (e.key === 'Enter') set(Number(typed));
        }}
      />
      <button
        type="button"
        aria-label={`One more ${line.name}`}
        disabled={line.quantity >= MAX_QUANTITY}
        onClick={() => set(line.quantity + 1)}
      >
        +
      </button>
    </div>
  );
}

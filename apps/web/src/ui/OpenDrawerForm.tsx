import { useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useStoreRow } from '../hooks/useStoreRow';
import { newId } from '../lib/ids';
import { parseMoney } from '../lib/receipt';

/**
 * Opens the cash drawer with its opening float: in the close-out, and at a cash sale or refund
 * taken while no drawer is open (`NoDrawerNotice`). A form of its own: it never sits inside
 * another form (forms do not nest).
 */
export function OpenDrawerForm() {
  const { mutate } = useDevice();
  const { currency } = useStoreRow();
  const [float, setFloat] = useState('');
  return (
    <form
      className="row wrap"
      aria-label="Open drawer"
      onSubmit={(e) => {
        e.preventDefault();
        const c = parseMoney(float, currency);
        if (c !== null)
          void mutate('cashDrawer.open', { id: newId(), floatCents: c }).then(
            (ok) => ok && setFloat(''),
          );
      }}
    >
      <label>
        Opening float
        <input
          type="text"
          inputMode="decimal"
          value={float}
          onChange={(e) => setFloat(e.target.value)}
          required
        />
      </label>
      <button type="submit" className="primary">
        Open drawer
      </button>
    </form>
  );
}

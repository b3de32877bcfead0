import { useState } from 'react';
import { GiftCardLedger } from './GiftCardLedger';

/**
 * Checks a gift card's balance by its code, with everything that moved it: what the desk looks
 * at when a client asks "how much is left?" (nothing changes).
 */
export function GiftCardLookup(props: { money: (cents: number) => string }) {
  const [code, setCode] = useState('');
  return (
    <section className="stack" aria-label="Check a gift card">
      <h3>Check a balance</h3>
      <label>
        Gift card code
        <input
          type="search"
          value={code}
          autoComplete="off"
          onChange={(e) => setCode(e.target.value)}
        />
      </label>
      <GiftCardLedger code={code} money={props.money} />
    </section>
  );
}

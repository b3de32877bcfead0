import type { TicketRow } from '@mango/domain/entities';
import { useState, type FormEvent } from 'react';
import { useDevice } from '../hooks/useDevice';
import { findGiftCard, newGiftCardCode, normalizeGiftCardCode } from '../lib/gift-card-code';
import { newId } from '../lib/ids';
import { parseMoney } from '../lib/receipt';
import { GiftCardLedger } from './GiftCardLedger';

/** The amounts most cards are sold for: one tap each. */
const PRESETS_CENTS = [2500, 5000, 10_000] as const;

/**
 * Gift cards on an open ticket: sell a new card (a preset or any amount, under the code printed
 * on it) or load more onto an existing one. Either is a line paid with the rest of the ticket;
 * the card holds the value once the ticket closes (ticket.close), so the money is real first.
 */
export function GiftCardSale(props: {
  ticket: TicketRow;
  currency: string;
  money: (cents: number) => string;
}) {
  const { mutate, device, notify } = useDevice();
  const [code, setCode] = useState(newGiftCardCode);
  const [amount, setAmount] = useState('');
  const [reloadCode, setReloadCode] = useState('');
  const [reloadAmount, setReloadAmount] = useState('');

  async function sell(amountCents: number) {
    const printed = normalizeGiftCardCode(code);
    if (printed.length < 4) return notify('A gift card code has at least 4 characters.', 'error');
    if (await findGiftCard(device.store, printed)) {
      return notify(`Another gift card already uses code ${printed}.`, 'error');
    }
    const added = await mutate('ticket.addGiftCardLine', {
      ticketId: props.ticket.id,
      lineId: newId(),
      giftCardId: newId(),
      code: printed,
      amountCents,
    });
    if (added) {
      notify(`Gift card ${printed} (${props.money(amountCents)}) added: active once paid.`);
      setCode(newGiftCardCode());
      setAmount('');
    }
  }

  function sellOther(e: FormEvent) {
    e.preventDefault();
    const cents = parseMoney(amount, props.currency);
    if (!cents) return notify('Enter the gift card amount.', 'error');
    void sell(cents);
  }

  async function reload(e: FormEvent) {
    e.preventDefault();
    const cents = parseMoney(reloadAmount, props.currency);
    if (!cents) return notify('Enter the amount to load.', 'error');
    const card = await findGiftCard(device.store, reloadCode);
    if (!card) return notify('No gift card with that code.', 'error');
    const added = await mutate('ticket.addGiftCardReload', {
      ticketId: props.ticket.id,
      lineId: newId(),
      giftCardId: card.id,
      amountCents: cents,
    });
    if (added) {
      notify(`${props.money(cents)} for gift card ${card.code} added: loaded once paid.`);
      setReloadCode('');
      setReloadAmount('');
    }
  }

  return (
    <div className="stack gift-card-sale">
      <form className="stack" aria-label="Sell a gift card" onSubmit={sellOther}>
        <h3>Sell a gift card</h3>
        <label>
          Card code
          <input
            type="text"
            value={code}
            maxLength={40}
            autoComplete="off"
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        <div className="row wrap">
          {PRESETS_CENTS.map((cents) => (
            <button type="button" key={cents} onClick={() => void sell(cents)}>
              Sell {props.money(cents)} card
            </button>
          ))}
        </div>
        <div className="row wrap">
          <label>
            Other amount
            <input
              type="text"
              inputMode="decimal"
              className="narrow"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
            />
          </label>
          <button type="submit">Sell card</button>
        </div>
      </form>
      <form className="stack" aria-label="Reload a gift card" onSubmit={reload}>
        <h3>Reload a gift card</h3>
        <label>
          Code of the card to reload
          <input
            type="text"
            value={reloadCode}
            autoComplete="off"
            onChange={(e) => setReloadCode(e.target.value)}
          />
        </label>
        <GiftCardLedger code={reloadCode} money={props.money} />
        <div className="row wrap">
          <label>
            Amount to load
            <input
              type="text"
              inputMode="decimal"
              className="narrow"
              value={reloadAmount}
              onChange={(e) => setReloadAmount(e.target.value)}
            />
          </label>
          <button type="submit">Add reload</button>
        </div>
      </form>
    </div>
  );
}

import type { TicketLineRow, TicketRow } from '@mango/domain/entities';
import { formatMoney } from '@mango/domain/money';
import { can } from '@mango/domain/permissions';
import {
  manualSplitDifference,
  ticketTipShares,
  tipRecipients,
  tipSplitLabel,
  type TipSplit,
} from '@mango/domain/tips';
import { useState, type FormEvent } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useStaff } from '../hooks/useStoreRow';
import { centsToInput, parseMoney } from '../lib/receipt';

type Mode = TipSplit['mode'];
const MODES: readonly Mode[] = ['proportional', 'even', 'manual'];

/**
 * How an open ticket's tip is shared among its staff (`ticket.setTipSplit`): proportional to
 * their services (the default), even, or amounts typed per person. Manual shares that do not
 * add up to the tip to the cent are refused here, with the difference, before anything is sent;
 * the mutator refuses them too. Shows each person's share as the ticket stands.
 */
export function TipSplitPicker({
  ticket,
  lines,
  currency,
}: {
  ticket: TicketRow;
  lines: readonly TicketLineRow[];
  currency: string;
}) {
  const { mutate, role } = useDevice();
  const { nameOf } = useStaff();
  const money = (cents: number) => formatMoney(cents, currency);
  // The ticket's split, unless the person is typing a manual one not saved yet: another
  // device's choice shows here as soon as it syncs.
  const [typing, setTyping] = useState(false);
  const chosen: Mode = typing ? 'manual' : (ticket.tipSplit?.mode ?? 'proportional');
  const [inputs, setInputs] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const current = ticketTipShares(ticket, lines);
  const mayChange = can(role, 'tickets.sell');
  if (ticket.tipCents <= 0) return null;

  const recipients = tipRecipients(lines);
  // Until a share is typed, it starts from what the person gets now, so the shares already
  // add up to the tip.
  const start = ticket.tipSplit?.mode === 'manual' ? ticket.tipSplit.shares : current?.shares;
  const inputOf = (id: string) => inputs[id] ?? centsToInput(start?.[id] ?? 0, currency);
  const typed = Object.fromEntries(
    recipients.map((id) => {
      const text = inputOf(id);
      return [id, text.trim() === '' ? 0 : parseMoney(text, currency)];
    }),
  );
  const allValid = Object.values(typed).every((c) => c !== null);
  const shares = typed as Record<string, number>;
  const difference = allValid ? manualSplitDifference(ticket.tipCents, shares) : null;

  const choose = async (mode: Mode) => {
    setRefusal(null);
    setInputs({});
    setTyping(mode === 'manual');
    if (mode !== 'manual') {
      await mutate('ticket.setTipSplit', { ticketId: ticket.id, split: { mode } });
    }
  };

  const saveManual = async (e: FormEvent) => {
    e.preventDefault();
    if (difference === null) {
      return setRefusal('Enter each share as an amount, like 12.50.');
    }
    if (difference !== 0) {
      const given = ticket.tipCents - difference;
      return setRefusal(
        `The shares add up to ${money(given)}, not the ${money(ticket.tipCents)} tip: ` +
          (difference > 0
            ? `${money(difference)} still to give out.`
            : `${money(-difference)} too much.`),
      );
    }
    setRefusal(null);
    // Only people with a share are sent: a zero share says nothing the split does not.
    const nonZero = Object.fromEntries(Object.entries(shares).filter(([, c]) => c > 0));
    await mutate('ticket.setTipSplit', {
      ticketId: ticket.id,
      split: { mode: 'manual', shares: nonZero },
    });
  };

  return (
    <section className="stack" aria-label="Tip split">
      <h3>
        Tip split: {tipSplitLabel(ticket.tipSplit)} ({money(ticket.tipCents)})
      </h3>
      {mayChange && (
        <fieldset className="methods">
          <legend>Split the tip</legend>
          {MODES.map((mode) => (
            <label key={mode} className={chosen === mode ? 'chip on' : 'chip'}>
              <input
                type="radio"
                name="tip-split"
                value={mode}
                checked={chosen === mode}
                onChange={() => void choose(mode)}
              />
              {tipSplitLabel(mode === 'manual' ? { mode, shares: {} } : { mode })}
            </label>
          ))}
        </fieldset>
      )}
      {mayChange && chosen === 'manual' && (
        <form className="stack" aria-label="Manual tip shares" onSubmit={saveManual}>
          {recipients.length === 0 && (
            <p className="muted">Put a technician on a line to give them a share.</p>
          )}
          {recipients.map((id) => (
            <label key={id}>
              Share for {nameOf(id)}
              <input
                type="text"
                inputMode="decimal"
                className="narrow"
                value={inputOf(id)}
                onChange={(e) => {
                  setInputs({ ...inputs, [id]: e.target.value });
                  setRefusal(null);
                }}
              />
            </label>
          ))}
          <p aria-label="Tip split difference" className={difference === 0 ? 'muted' : 'error'}>
            {difference === null
              ? 'A share is not an amount.'
              : difference === 0
                ? 'The shares add up to the tip.'
                : difference > 0
                  ? `${money(difference)} still to give out.`
                  : `${money(-difference)} more than the tip.`}
          </p>
          {refusal && (
            <p role="alert" className="error">
              {refusal}
            </p>
          )}
          <button type="submit">Save split</button>
        </form>
      )}
      {current === null ? (
        <p role="alert" className="error">
          The manual split no longer adds up to the {money(ticket.tipCents)} tip; split it again
          before closing.
        </p>
      ) : (
        <ul className="list" aria-label="Tip shares">
          {Object.entries(current.shares).map(([id, cents]) => (
            <li key={id}>
              <span>{nameOf(id)}</span>
              <span>{money(cents)}</span>
            </li>
          ))}
          {current.unassignedCents > 0 && (
            <li>
              <span>Unassigned</span>
              <span>{money(current.unassignedCents)}</span>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

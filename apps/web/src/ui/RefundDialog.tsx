import type { PaymentMethod, RefundRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { isDomainError } from '@mango/domain/errors';
import { ticketRefundableCents, type SoldGiftCard } from '@mango/domain/gift-card-refunds';
import { planLineRefund, refundableUnits, type LineRefundPlan } from '@mango/domain/line-refunds';
import { sumCents } from '@mango/domain/money';
import { useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useProtected } from '../hooks/useProtected';
import { useStoreRow } from '../hooks/useStoreRow';
import { newId } from '../lib/ids';
import { methodLabel, parseMoney } from '../lib/receipt';
import { NoDrawerNotice } from './NoDrawerNotice';

/**
 * Refunding a closed ticket: tick the lines (and how many units) to refund, or type an amount.
 * A refund by line shows its total with the tax given back, computed by the domain
 * (line-refunds.ts) exactly as the mutator will; products go back in stock unless "Return to
 * stock" is cleared. The front desk needs a manager's PIN (`useProtected`).
 */
export function RefundDialog(props: {
  ticket: TicketRow;
  lines: TicketLineRow[];
  refunds: RefundRow[];
}) {
  const { ticket, lines, refunds } = props;
  const { money, currency } = useStoreRow();
  const { mutate, notify } = useDevice();
  const { guard, allowed, dialog } = useProtected();
  const soldCards = useSoldGiftCards(ticket.id, lines);
  /** Line id → units ticked for refund. */
  const [chosen, setChosen] = useState<Record<string, number>>({});
  const [restock, setRestock] = useState(true);
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState<PaymentMethod>('card');
  const [reason, setReason] = useState('');

  const refundable = ticketRefundableCents({ ticket, soldCards: soldCards ?? [], lineIds: [] });
  const requested = Object.entries(chosen)
    .filter(([, q]) => q > 0)
    .map(([lineId, quantity]) => ({ lineId, quantity }));
  const plan = ((): LineRefundPlan | string | null => {
    if (requested.length === 0) return null;
    try {
      const byLine = planLineRefund({
        ticket,
        lines,
        refunds,
        soldCards: soldCards ?? [],
        request: requested,
      });
      // An earlier refund by amount may have used up part of it: the mutator refuses past that.
      return byLine.amountCents > refundable
        ? `These lines come to ${money(byLine.amountCents)}; at most ${money(refundable)} can still be refunded.`
        : byLine;
    } catch (e) {
      // A choice the mutator would refuse (nothing left on a line): say why, as it would.
      return isDomainError(e) ? e.message : String(e);
    }
  })();
  const productChosen = requested.some(
    (r) => lines.find((l) => l.id === r.lineId)?.kind === 'product',
  );

  if (ticket.status !== 'closed' || !allowed('tickets.refund')) return null;

  const submit = () => {
    const args: Record<string, unknown> = { ticketId: ticket.id, refundId: newId(), method };
    let cents: number;
    if (requested.length > 0) {
      if (!plan || typeof plan === 'string') return notify(plan ?? 'Choose lines.', 'error');
      cents = plan.amountCents;
      args['lines'] = requested;
      args['restock'] = productChosen && restock;
    } else {
      const typed = parseMoney(amount, currency);
      if (!typed) return notify('Tick the lines to refund, or enter an amount.', 'error');
      cents = typed;
      args['amountCents'] = typed;
    }
    if (reason.trim()) args['reason'] = reason.trim();
    guard('tickets.refund', 'refund this ticket', async (o) => {
      if (await mutate('ticket.refund', args, o)) {
        setChosen({});
        setAmount('');
        setReason('');
        notify(`Refunded ${money(cents)}.`);
      }
    });
  };

  return (
    <>
      <form
        className="card stack noprint"
        aria-label="Refund"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <h2>Refund</h2>
        <p className="muted" aria-label="Refundable">
          Up to {money(refundable)} can be refunded (tips are not refunded here).
        </p>
        <fieldset className="stack">
          <legend>Lines</legend>
          {lines.map((line) => {
            const left = refundableUnits(line, refunds);
            const units = chosen[line.id] ?? 0;
            return (
              <div key={line.id} className="row">
                <label className="check">
                  <input
                    type="checkbox"
                    disabled={left === 0}
                    checked={units > 0}
                    onChange={(e) =>
                      setChosen((c) => ({ ...c, [line.id]: e.target.checked ? left : 0 }))
                    }
                  />{' '}
                  Refund {line.name}
                  {line.quantity > 1 && ` ×${line.quantity}`}
                  {left === 0 && <span className="muted"> (refunded)</span>}
                </label>
                <span className="spacer" />
                <span className="muted">{line.comp ? 'Comp' : money(line.lineTotalCents)}</span>
                {units > 0 && left > 1 && (
                  <label>
                    Units of {line.name}
                    <select
                      value={units}
                      onChange={(e) =>
                        setChosen((c) => ({ ...c, [line.id]: Number(e.target.value) }))
                      }
                    >
                      {Array.from({ length: left }, (_, i) => i + 1).map((n) => (
                        <option key={n} value={n}>
                          {n}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
              </div>
            );
          })}
        </fieldset>
        {requested.length > 0 ? (
          <>
            {typeof plan === 'string' ? (
              <p className="error">{plan}</p>
            ) : (
              plan && (
                <p aria-label="Refund total">
                  Refund total {money(plan.amountCents)}{' '}
                  <span className="muted">
                    ({money(plan.netCents)} + tax {money(plan.taxCents)})
                  </span>
                </p>
              )
            )}
            {productChosen && (
              <label className="check">
                <input
                  type="checkbox"
                  checked={restock}
                  onChange={(e) => setRestock(e.target.checked)}
                />{' '}
                Return to stock
              </label>
            )}
          </>
        ) : (
          <label>
            Refund amount
            <input
              type="text"
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
            />
          </label>
        )}
        <label>
          Refund method
          <select value={method} onChange={(e) => setMethod(e.target.value as PaymentMethod)}>
            {(['cash', 'card', 'gift_card', 'other'] as const).map((m) => (
              <option key={m} value={m}>
                {methodLabel(m)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Reason
          <input type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <button type="submit" className="danger">
          Refund
        </button>
      </form>
      {method === 'cash' && <NoDrawerNotice />}
      {/* The manager's PIN form: outside this form, forms do not nest. */}
      {dialog}
    </>
  );
}

/**
 * The gift cards sold on the ticket with what its refunds already took back, from local data:
 * what the refund mutator reads (ticket-payments.ts `soldGiftCards`), so the hint matches it.
 */
function useSoldGiftCards(ticketId: string, lines: TicketLineRow[]): SoldGiftCard[] | undefined {
  const cardLines = lines.filter((l) => l.kind === 'gift_card');
  return useLive(
    async (r) => {
      const sold: SoldGiftCard[] = [];
      for (const line of [...cardLines].sort((a, b) => (a.id < b.id ? -1 : 1))) {
        const movements = await r.list('giftCardMovement', { where: { giftCardId: line.itemId } });
        sold.push({
          line,
          card: await r.get('giftCard', line.itemId),
          takenBackCents: -sumCents(
            movements
              .filter((m) => m.kind === 'sale_refund' && m.ticketId === ticketId)
              .map((m) => m.amountCents),
          ),
        });
      }
      return sold;
    },
    [ticketId, cardLines.map((l) => l.id).join()],
  );
}

import type { GiftCardMovementKind } from '@mango/domain/entities';
import { giftCardLedger } from '@mango/domain/gift-cards';
import { useLive } from '../hooks/useLive';
import { findGiftCard } from '../lib/gift-card-code';
import { useStoreRow } from '../hooks/useStoreRow';

const KIND_LABEL: Record<GiftCardMovementKind, string> = {
  issue: 'Sold',
  reload: 'Reloaded',
  redeem: 'Spent',
  refund: 'Refund onto card',
  adjust: 'Manager correction',
  sale_refund: 'Sale refunded',
};

/**
 * A gift card's balance and everything that moved it, looked up by the printed code: what the
 * desk checks before taking the card, and what answers "where did my balance go?".
 */
export function GiftCardLedger(props: { code: string; money: (cents: number) => string }) {
  const { dateTime } = useStoreRow();
  const code = props.code.trim();
  const found = useLive(
    async (r) => {
      const card = await findGiftCard(r, code);
      if (!card) return null;
      const movements = await r.list('giftCardMovement', { where: { giftCardId: card.id } });
      return { card, ledger: giftCardLedger(movements) };
    },
    [code],
  );
  if (code === '' || found === undefined) return null;
  if (found === null) return <p className="muted">No gift card with that code on this device.</p>;
  const { card, ledger } = found;
  return (
    <section className="stack" aria-label={`Gift card ${card.code}`}>
      <p>
        <strong>{props.money(card.balanceCents)}</strong> left{' '}
        {card.status === 'active' ? (
          <span className="pill ok">Active</span>
        ) : (
          <span className="pill off">Void: cannot be used</span>
        )}
      </p>
      <table aria-label="Gift card history">
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th className="num">Amount</th>
          </tr>
        </thead>
        <tbody>
          {ledger.entries.map((m) => (
            <tr key={m.id}>
              <td>{dateTime(m.createdAt)}</td>
              <td>{KIND_LABEL[m.kind]}</td>
              <td className="num">
                {m.amountCents < 0 ? '−' : '+'}
                {props.money(Math.abs(m.amountCents))}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={2}>
              Loaded {props.money(ledger.loadsCents)} · spent {props.money(ledger.redemptionsCents)}{' '}
              · refunded {props.money(ledger.refundsCents)}
              {ledger.adjustmentsCents !== 0 &&
                ` · corrected ${ledger.adjustmentsCents < 0 ? '−' : '+'}${props.money(Math.abs(ledger.adjustmentsCents))}`}
            </td>
            <td className="num">{props.money(ledger.balanceCents)}</td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}

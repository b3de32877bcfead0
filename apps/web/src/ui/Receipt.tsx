import type { PaymentRow } from '@mango/domain/entities';
import { Fragment, type ReactNode } from 'react';
import {
  receiptPageRule,
  type Receipt as ReceiptModel,
  type ReceiptLayout,
  type ReceiptRow,
} from '../lib/receipt';
import { OfflineMark, ReconciliationBadges } from './Reconciliation';

/** One row as table cells; the tender rows carry their payment's offline and review marks. */
function renderRow(row: ReceiptRow, key: number, payment?: PaymentRow) {
  return (
    <tr key={key} className={`receipt-${row.kind}`}>
      <td colSpan={row.right === undefined ? 2 : 1}>
        {row.left}
        {payment && (
          <>
            <OfflineMark payment={payment} />{' '}
            <span className="noprint">
              <ReconciliationBadges flags={payment.reconciliation} />
            </span>
          </>
        )}
      </td>
      {row.right !== undefined && <td className="num">{row.right}</td>}
    </tr>
  );
}

/**
 * A ticket's receipt as it prints (window.print()): the 80 mm thermal layout or a full page.
 * What it says comes from lib/receipt.ts (buildReceipt), the same rows as the emailed text.
 */
export function Receipt(props: {
  receipt: ReceiptModel;
  layout: ReceiptLayout;
  payments: readonly PaymentRow[];
  /**
   * The tip split as the screen shows it (ui/ReceiptTipShares.tsx), in place of the model's plain
   * tip share rows; absent: those rows.
   */
  tipShares?: ReactNode;
}) {
  const { receipt, layout } = props;
  const paymentOf = (row: ReceiptRow) =>
    row.paymentId === undefined ? undefined : props.payments.find((p) => p.id === row.paymentId);
  return (
    <article className={`receipt receipt-${layout}`} aria-label="Receipt" data-layout={layout}>
      {/* The page rule only while this receipt is on screen: print keeps each layout's paper. */}
      <style>{receiptPageRule(layout)}</style>
      <header className="receipt-head">
        <h2>{receipt.storeName}</h2>
        {receipt.address.length > 0 && (
          <p className="receipt-address" aria-label="Store address">
            {receipt.address.map((line, i) => (
              <span key={i}>
                {line}
                <br />
              </span>
            ))}
          </p>
        )}
        <p className="muted">{receipt.when}</p>
        <p aria-label="Receipt ticket number">{receipt.ticketNumber}</p>
        {receipt.clientName && <p>Client: {receipt.clientName}</p>}
        {receipt.voided && <p className="error">{receipt.voided}</p>}
      </header>
      <table>
        <tbody aria-label="Receipt items">{receipt.items.map((row, i) => renderRow(row, i))}</tbody>
        <tfoot>
          {receipt.totals.map((row, i) => {
            if (row.kind === 'tipShare' && props.tipShares !== undefined) return null;
            return (
              <Fragment key={i}>
                {renderRow(row, i, paymentOf(row))}
                {row.kind === 'tip' && props.tipShares}
              </Fragment>
            );
          })}
        </tfoot>
      </table>
      {receipt.giftCards.length > 0 && (
        <section className="receipt-gift-cards" aria-label="Gift cards on this ticket">
          <h3>Gift cards</h3>
          <table>
            <tbody>{receipt.giftCards.map((row, i) => renderRow(row, i))}</tbody>
          </table>
          <p className="muted">Keep this code: it is what spends the card.</p>
        </section>
      )}
      <p className="center">{receipt.footer}</p>
    </article>
  );
}

import type { TicketLineRow, TicketRow } from '@mango/domain/entities';
import { ticketTipShares, tipSplitLabel } from '@mango/domain/tips';

const INDENT = { paddingLeft: '1rem' };

/**
 * The receipt's tip split: how it was split and each person's share (the shares fixed when the
 * ticket closed). Table rows, to sit under the receipt's "Tip" row.
 */
export function ReceiptTipShares(props: {
  ticket: TicketRow;
  lines: readonly TicketLineRow[];
  nameOf: (id: string) => string;
  money: (cents: number) => string;
}) {
  const { ticket } = props;
  if (ticket.tipCents <= 0) return null;
  const split = ticketTipShares(ticket, props.lines);
  if (!split) return null;
  return (
    <>
      <tr aria-label="Tip split">
        <td colSpan={2} className="muted">
          Tip split: {tipSplitLabel(ticket.tipSplit)}
        </td>
      </tr>
      {Object.entries(split.shares).map(([id, cents]) => (
        <tr key={id} aria-label={`Tip share ${props.nameOf(id)}`}>
          <td className="muted" style={INDENT}>
            {props.nameOf(id)}
          </td>
          <td className="num muted">{props.money(cents)}</td>
        </tr>
      ))}
      {split.unassignedCents > 0 && (
        <tr>
          <td className="muted" style={INDENT}>
            Unassigned
          </td>
          <td className="num muted">{props.money(split.unassignedCents)}</td>
        </tr>
      )}
    </>
  );
}

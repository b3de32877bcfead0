import type {
  Discount,
  PaymentMethod,
  PaymentRow,
  RefundRow,
  TicketLineRow,
  TicketRow,
} from '@mango/domain/entities';
import { byLineOrder } from '@mango/domain/line-order';
import { decideOfflineCardPayment, offlineCardCaps } from '@mango/domain/offline-payments';
import { can } from '@mango/domain/permissions';
import { amountDue } from '@mango/domain/payments';
import { ticketLabel } from '@mango/domain/ticket-numbers';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useProtected } from '../hooks/useProtected';
import { useStockGate } from '../hooks/useStockGate';
import { useReceiptLayout } from '../hooks/useReceiptLayout';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { useSyncStatus } from '../hooks/useSyncStatus';
import { useTicketReceipt } from '../hooks/useTicketReceipt';
import { findGiftCard } from '../lib/gift-card-code';
import { newId } from '../lib/ids';
import { centsToInput, mailtoHref, methodLabel, parseMoney, taxLabel } from '../lib/receipt';
import { navigate } from '../lib/router';
import { Dialog } from '../ui/Dialog';
import { GiftCardLedger } from '../ui/GiftCardLedger';
import { GiftCardLookup } from '../ui/GiftCardLookup';
import { GiftCardSale } from '../ui/GiftCardSale';
import { LineQuantity } from '../ui/LineQuantity';
import { NoDrawerNotice } from '../ui/NoDrawerNotice';
import { OfflineMark, ReconciliationBadges } from '../ui/Reconciliation';
import { RefundDialog } from '../ui/RefundDialog';
import { Receipt } from '../ui/Receipt';
import { ReceiptLayoutPicker } from '../ui/ReceiptLayoutPicker';
import { ReceiptTipShares } from '../ui/ReceiptTipShares';
import { TicketClient } from '../ui/TicketClient';
import { TipSplitPicker } from '../ui/TipSplitPicker';
import { usePageTitle } from '../hooks/usePageTitle';

export default function Checkout({ params }: { params: string[] }) {
  usePageTitle('Checkout');
  const ticketId = params[0] ?? '';
  const ticket = useLive((r) => r.get('ticket', ticketId), [ticketId]);
  const lines = useLive((r) => r.list('ticketLine', { where: { ticketId } }), [ticketId]);
  const payments = useLive((r) => r.list('payment', { where: { ticketId } }), [ticketId]);
  const refunds = useLive((r) => r.list('refund', { where: { ticketId } }), [ticketId]);
  const client = useLive(
    async (r) => (ticket?.clientId ? r.get('client', ticket.clientId) : undefined),
    [ticket?.clientId],
  );

  if (
    ticket === undefined ||
    lines === undefined ||
    payments === undefined ||
    refunds === undefined
  ) {
    return (
      <section aria-label="Checkout">
        <h1>Checkout</h1>
        <p>
          {ticketId
            ? 'This ticket is not on this device.'
            : 'Open a ticket from the front desk or with “New ticket”.'}
        </p>
      </section>
    );
  }
  // Ids are random: the order the lines were rung up is their position (line-order.ts).
  const sortedLines = [...lines].sort(byLineOrder);
  const sortedPayments = [...payments].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const clientName = client ? `${client.firstName} ${client.lastName}`.trim() : undefined;
  return ticket.status === 'open' ? (
    <OpenTicket
      ticket={ticket}
      lines={sortedLines}
      payments={sortedPayments}
      clientName={clientName}
    />
  ) : (
    <ClosedTicket
      ticket={ticket}
      lines={sortedLines}
      payments={sortedPayments}
      refunds={refunds}
      clientName={clientName}
      clientEmail={client?.email ?? ''}
    />
  );
}

/** Runs a protected mutation (`useProtected`), with the device's `mutate`. */
function useGuarded() {
  const { mutate } = useDevice();
  return { ...useProtected(), mutate };
}

function OpenTicket(props: {
  ticket: TicketRow;
  lines: TicketLineRow[];
  payments: PaymentRow[];
  clientName: string | undefined;
}) {
  const { ticket, lines } = props;
  const { payments } = props;
  const { notify, role } = useDevice();
  const { guard, allowed, dialog, mutate } = useGuarded();
  const mayDiscount = can(role, 'tickets.discount');
  const { money, currency } = useStoreRow();
  const { staff } = useStaff();
  const services = useLive((r) => r.list('service'), []);
  const products = useLive((r) => r.list('product'), []);
  const providers = staff.filter((s) => s.active && s.role !== 'front_desk');
  const [catalogTab, setCatalogTab] = useState<'services' | 'products' | 'giftCards'>('services');
  const [voiding, setVoiding] = useState(false);
  const due = amountDue(ticket);
  const defaultStaff = lines.find((l) => l.staffId)?.staffId ?? undefined;

  const stockGate = useStockGate(ticket.id);
  const addLine = async (kind: 'service' | 'product', itemId: string) => {
    if (kind === 'product' && !stockGate(itemId, 1)) return false;
    return mutate('ticket.addLine', {
      ticketId: ticket.id,
      lineId: newId(),
      kind,
      itemId,
      ...(defaultStaff ? { staffId: defaultStaff } : {}),
    });
  };

  return (
    <section className="checkout" aria-label="Checkout">
      <div className="toolbar">
        <h1>Ticket {ticketLabel(ticket)}</h1>
        {props.clientName && <span className="muted">for {props.clientName}</span>}
        <span className="spacer" />
        {allowed('tickets.void') && (
          <button type="button" className="danger" onClick={() => setVoiding(true)}>
            Void ticket
          </button>
        )}
      </div>
      <TicketClient ticket={ticket} />
      <div className="checkout-grid">
        <section className="card" aria-label="Catalog">
          <div role="tablist" aria-label="Catalog" className="tabs">
            <button
              type="button"
              role="tab"
              aria-selected={catalogTab === 'services'}
              onClick={() => setCatalogTab('services')}
            >
              Services
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={catalogTab === 'products'}
              onClick={() => setCatalogTab('products')}
            >
              Products
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={catalogTab === 'giftCards'}
              onClick={() => setCatalogTab('giftCards')}
            >
              Gift cards
            </button>
          </div>
          {catalogTab === 'giftCards' && (
            <>
              <GiftCardSale ticket={ticket} currency={currency} money={money} />
              <GiftCardLookup money={money} />
            </>
          )}
          <div className="catalog" hidden={catalogTab === 'giftCards'}>
            {catalogTab === 'services'
              ? (services ?? [])
                  .filter((s) => s.active !== false)
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((s) => (
                    <button type="button" key={s.id} onClick={() => void addLine('service', s.id)}>
                      <span>
                        <span className="sr-only">Add </span>
                        {s.name}
                      </span>
                      <span className="muted">{money(s.priceCents)}</span>
                    </button>
                  ))
              : (products ?? [])
                  .filter((p) => p.active !== false)
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((p) => (
                    <button type="button" key={p.id} onClick={() => void addLine('product', p.id)}>
                      <span>
                        <span className="sr-only">Add </span>
                        {p.name}
                      </span>
                      <span className="muted">{money(p.priceCents)}</span>
                    </button>
                  ))}
          </div>
        </section>

        <section className="card" aria-label="Ticket lines">
          <h2>Items</h2>
          {lines.length === 0 && (
            <p className="muted">Add services or products from the catalog.</p>
          )}
          <ul className="lines">
            {lines.map((l) => (
              <li key={l.id} aria-label={l.name}>
                <div className="line-main">
                  <strong>{l.name}</strong>
                  {l.quantity > 1 && <span> ×{l.quantity}</span>}
                  <span className="spacer" />
                  <span className={l.comp ? 'muted strike' : ''}>
                    {l.comp ? 'Comp' : money(l.lineTotalCents)}
                  </span>
                </div>
                <div className="row wrap">
                  <LineQuantity ticketId={ticket.id} line={l} />
                  <label>
                    Staff
                    <select
                      value={l.staffId ?? ''}
                      onChange={(e) =>
                        void mutate('ticket.setLineStaff', {
                          ticketId: ticket.id,
                          lineId: l.id,
                          staffId: e.target.value || null,
                        })
                      }
                    >
                      <option value="">—</option>
                      {providers.map((s) => (
                        <option key={s.id} value={s.id}>
                          {s.displayName}
                        </option>
                      ))}
                    </select>
                  </label>
                  {mayDiscount && (
                    <label>
                      Discount %
                      <input
                        type="number"
                        min={0}
                        max={100}
                        step={1}
                        className="narrow"
                        defaultValue={l.discount?.kind === 'percent' ? l.discount.bps / 100 : ''}
                        onBlur={(e) => {
                          const v = e.target.value.trim();
                          const discount: Discount | null =
                            v === '' || Number(v) === 0
                              ? null
                              : { kind: 'percent', bps: Math.round(Number(v) * 100) };
                          void mutate('ticket.setLineDiscount', {
                            ticketId: ticket.id,
                            lineId: l.id,
                            discount,
                          });
                        }}
                      />
                    </label>
                  )}
                  {l.kind !== 'gift_card' && allowed('tickets.comp') && (
                    <button
                      type="button"
                      onClick={() =>
                        guard(
                          'tickets.comp',
                          `${l.comp ? 'un-comp' : 'comp'} ${l.name}`,
                          async (o) => {
                            await mutate(
                              'ticket.compLine',
                              {
                                ticketId: ticket.id,
                                lineId: l.id,
                                comp: !l.comp,
                                reason: 'Comp at the desk',
                              },
                              o,
                            );
                          },
                        )
                      }
                    >
                      {l.comp ? 'Undo comp' : 'Comp'}
                    </button>
                  )}
                  <button
                    type="button"
                    aria-label={`Remove ${l.name}`}
                    onClick={() =>
                      void mutate('ticket.removeLine', { ticketId: ticket.id, lineId: l.id })
                    }
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ul>
          {mayDiscount && <TicketDiscount ticket={ticket} />}
        </section>

        <section className="card" aria-label="Payment">
          <Totals ticket={ticket} money={money} />
          {payments.length > 0 && (
            <ul className="list" aria-label="Payments">
              {payments.map((p) => (
                <li key={p.id}>
                  <span>
                    {methodLabel(p.method)} {money(p.amountCents)}
                    {p.tipCents > 0 && ` + tip ${money(p.tipCents)}`}
                    {p.changeCents > 0 && ` (change ${money(p.changeCents)})`}
                    <OfflineMark payment={p} /> <ReconciliationBadges flags={p.reconciliation} />
                  </span>
                  {allowed('tickets.removePayment') && (
                    <button
                      type="button"
                      aria-label={`Remove payment ${methodLabel(p.method)} ${money(p.amountCents)}`}
                      onClick={() =>
                        guard('tickets.removePayment', 'remove a payment', async (o) => {
                          await mutate(
                            'ticket.removePayment',
                            { ticketId: ticket.id, paymentId: p.id },
                            o,
                          );
                        })
                      }
                    >
                      ×
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <TipSplitPicker ticket={ticket} lines={lines} currency={currency} />
          {!can(role, 'tickets.sell') ? (
            // A technician may look at an open ticket; payments and closing are the desk's.
            <p className="muted" role="note">
              Payments and closing are for the front desk or a manager.
            </p>
          ) : due > 0 ? (
            <PaymentForm ticket={ticket} due={due} currency={currency} money={money} />
          ) : (
            <button
              type="button"
              className="primary big"
              disabled={lines.length === 0}
              // Paid in full (the payment form just went away): closing is the next step.
              autoFocus
              onClick={async () => {
                if (await mutate('ticket.close', { ticketId: ticket.id })) notify('Ticket closed.');
              }}
            >
              Close ticket
            </button>
          )}
        </section>
      </div>
      {voiding && (
        <VoidDialog
          onClose={() => setVoiding(false)}
          onVoid={(reason) =>
            guard('tickets.void', 'void this ticket', async (o) => {
              if (await mutate('ticket.void', { ticketId: ticket.id, reason }, o)) {
                setVoiding(false);
                notify('Ticket voided.');
                navigate('/desk');
              }
            })
          }
        />
      )}
      {dialog}
    </section>
  );
}

function Totals({ ticket, money }: { ticket: TicketRow; money: (c: number) => string }) {
  const ticketDiscount = ticket.subtotalCents + ticket.taxCents - ticket.totalCents;
  const due = amountDue(ticket);
  return (
    <dl className="totals" aria-label="Totals">
      <dt>Subtotal</dt>
      <dd>{money(ticket.subtotalCents)}</dd>
      {ticket.discountCents > 0 && (
        <>
          <dt>Discounts</dt>
          <dd>−{money(ticket.discountCents)}</dd>
        </>
      )}
      {ticketDiscount > 0 && <dt className="sr-only">Ticket discount included</dt>}
      <dt>{taxLabel(ticket)}</dt>
      <dd>{money(ticket.taxCents)}</dd>
      <dt className="total">Total</dt>
      <dd className="total" aria-label="Ticket total">
        {money(ticket.totalCents)}
      </dd>
      {ticket.tipCents > 0 && (
        <>
          <dt>Tips</dt>
          <dd>{money(ticket.tipCents)}</dd>
        </>
      )}
      <dt>Paid</dt>
      <dd>{money(ticket.paidCents - ticket.changeCents)}</dd>
      <dt className="total">{due >= 0 ? 'Amount due' : 'Overpaid'}</dt>
      <dd className="total" aria-label="Amount due">
        {money(Math.abs(due))}
      </dd>
    </dl>
  );
}

function TicketDiscount({ ticket }: { ticket: TicketRow }) {
  const { mutate } = useDevice();
  const [kind, setKind] = useState<'percent' | 'amount'>(ticket.discount?.kind ?? 'percent');
  const [value, setValue] = useState('');
  const { currency } = useStoreRow();
  return (
    <form
      className="row wrap"
      aria-label="Ticket discount"
      onSubmit={(e) => {
        e.preventDefault();
        let discount: Discount | null = null;
        if (value.trim() !== '') {
          if (kind === 'percent') discount = { kind, bps: Math.round(Number(value) * 100) };
          else discount = { kind, cents: parseMoney(value, currency) ?? 0 };
        }
        void mutate('ticket.setDiscount', { ticketId: ticket.id, discount });
      }}
    >
      <label>
        Ticket discount
        <select value={kind} onChange={(e) => setKind(e.target.value as 'percent' | 'amount')}>
          <option value="percent">%</option>
          <option value="amount">Amount</option>
        </select>
      </label>
      <input
        type="text"
        inputMode="decimal"
        aria-label="Discount value"
        className="narrow"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit">Apply discount</button>
    </form>
  );
}

function PaymentForm(props: {
  ticket: TicketRow;
  due: number;
  currency: string;
  money: (c: number) => string;
}) {
  const { mutate, device, notify } = useDevice();
  const status = useSyncStatus(device.client);
  const { store } = useStoreRow();
  const [method, setMethod] = useState<PaymentMethod>('cash');
  const [amount, setAmount] = useState('');
  const [tip, setTip] = useState('');
  const [code, setCode] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const amountRef = useRef<HTMLInputElement>(null);
  // The engine learns of a lost connection on its next request; the browser's flag is quicker.
  const offline = status?.online === false || !navigator.onLine;
  const amountCents = amount.trim() === '' ? props.due : parseMoney(amount, props.currency);
  const tipCents = tip.trim() === '' ? 0 : parseMoney(tip, props.currency);
  const change =
    method === 'cash' && amountCents !== null ? Math.max(0, amountCents - props.due) : 0;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (amountCents === null || amountCents <= 0) return notify('Enter an amount.', 'error');
    if (tipCents === null) return notify('Enter a valid tip.', 'error');
    const args: Record<string, unknown> = {
      ticketId: props.ticket.id,
      paymentId: newId(),
      method,
      amountCents,
    };
    if (tipCents > 0) args['tipCents'] = tipCents;
    setRefusal(null);
    if (method === 'card' && offline) {
      if (!store) return notify('The store settings are not on this device yet.', 'error');
      const decision = decideOfflineCardPayment({
        chargedCents: amountCents + tipCents,
        unsyncedOfflineCents: status?.offlineCardPayments.totalCents ?? 0,
        caps: offlineCardCaps(store),
        currency: props.currency,
      });
      if (!decision.allowed) return setRefusal(decision.message);
      args['offline'] = true;
      args['takenAt'] = new Date().toISOString();
    }
    if (method === 'gift_card') {
      const card = await findGiftCard(device.store, code);
      if (!card) return notify('No gift card with that code.', 'error');
      args['giftCardId'] = card.id;
      // No amount typed: the card pays what it can, the rest is taken another way.
      if (amount.trim() === '') args['amountCents'] = Math.min(amountCents, card.balanceCents);
    }
    if (await mutate('ticket.addPayment', args)) {
      setAmount('');
      setTip('');
      setCode('');
      // Part paid: ready for the next amount (paid in full, the form goes and Close takes focus).
      amountRef.current?.focus();
    }
  }

  return (
    <>
      <form onSubmit={submit} className="stack" aria-label="Take payment">
        <fieldset className="methods">
          <legend>Payment method</legend>
          {(['cash', 'card', 'gift_card', 'other'] as const).map((m) => (
            <label key={m} className={method === m ? 'chip on' : 'chip'}>
              <input
                type="radio"
                name="method"
                value={m}
                checked={method === m}
                onChange={() => {
                  setMethod(m);
                  setRefusal(null);
                }}
              />
              {methodLabel(m)}
            </label>
          ))}
        </fieldset>
        <label>
          Amount
          <input
            ref={amountRef}
            type="text"
            inputMode="decimal"
            placeholder={centsToInput(props.due, props.currency)}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </label>
        {/* Any tender takes a tip on top of its amount: cash goes into the drawer, a gift card's
          comes off its balance. */}
        <label>
          Tip
          <input
            type="text"
            inputMode="decimal"
            placeholder="0.00"
            value={tip}
            onChange={(e) => setTip(e.target.value)}
          />
        </label>
        {method === 'gift_card' && (
          <label>
            Gift card code
            <input type="text" value={code} onChange={(e) => setCode(e.target.value)} required />
          </label>
        )}
        {method === 'gift_card' && <GiftCardLedger code={code} money={props.money} />}
        {method === 'card' && offline && (
          <p className="muted">
            Offline: the card is stored and charged when the connection returns (up to{' '}
            {store ? props.money(store.offlineCardMaxPerPaymentCents) : '…'} per payment).
          </p>
        )}
        {refusal && (
          <p role="alert" className="error">
            {refusal}
          </p>
        )}
        {change > 0 && (
          <p className="change" aria-label="Change due">
            Change due: <strong>{props.money(change)}</strong>
          </p>
        )}
        <button type="submit" className="primary big">
          Pay {amountCents !== null ? props.money(amountCents + (tipCents ?? 0)) : ''}
        </button>
      </form>
      {/* Outside the payment form: the notice may hold a form of its own, and forms do not nest. */}
      {method === 'cash' && <NoDrawerNotice />}
    </>
  );
}

function VoidDialog(props: { onClose: () => void; onVoid: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  return (
    <Dialog title="Void ticket" onClose={props.onClose}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) props.onVoid(reason.trim());
        }}
      >
        <p>
          Voiding removes the ticket from sales. A ticket with payments must have them removed
          first.
        </p>
        <label>
          Reason
          <input type="text" required value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <button type="submit" className="danger">
          Void
        </button>
      </form>
    </Dialog>
  );
}

function ClosedTicket(props: {
  ticket: TicketRow;
  lines: TicketLineRow[];
  payments: PaymentRow[];
  refunds: RefundRow[];
  clientName: string | undefined;
  clientEmail: string;
}) {
  const { ticket } = props;
  const { store, money } = useStoreRow();
  const { nameOf, loaded: staffLoaded } = useStaff();
  const { receipt, text, ready } = useTicketReceipt(props);
  const [layout, setLayout] = useReceiptLayout();
  // Closing replaces the whole checkout: focus goes to the top of what replaced it.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  return (
    <section className="closed" aria-label="Closed ticket">
      <div className="toolbar noprint">
        <h1 ref={heading} tabIndex={-1}>
          Ticket {ticketLabel(ticket)}
        </h1>
        <span className={`pill ${ticket.status === 'voided' ? 'off' : 'ok'}`}>
          {ticket.status === 'voided' ? 'Voided' : 'Closed'}
        </span>
        <span className="spacer" />
        <ReceiptLayoutPicker layout={layout} onChange={setLayout} />
        <button type="button" onClick={() => window.print()}>
          Print receipt
        </button>
        <a
          className="button"
          href={mailtoHref(
            props.clientEmail,
            `Your receipt from ${store?.name ?? 'the salon'}`,
            text,
          )}
        >
          Email receipt
        </a>
        <button type="button" className="primary" onClick={() => navigate('/desk')}>
          Done
        </button>
      </div>
      <div className="closed-grid">
        {/* Not before its reads answer: a receipt never prints a placeholder for a name. */}
        {ready && staffLoaded && (
          <Receipt
            receipt={receipt}
            layout={layout}
            payments={props.payments}
            tipShares={
              <ReceiptTipShares ticket={ticket} lines={props.lines} nameOf={nameOf} money={money} />
            }
          />
        )}
        <RefundDialog ticket={ticket} lines={props.lines} refunds={props.refunds} />
      </div>
    </section>
  );
}

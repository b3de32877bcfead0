import type { ServiceRow, StaffRow } from '@mango/domain/entities';
import {
  lastWaitlistDay,
  MAX_WAITLIST_SERVICES,
  waitlistRangeProblem,
} from '@mango/domain/waitlist';
import { useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { newId } from '../lib/ids';
import { addDays } from '../lib/time';
import { ClientPicker } from './ClientPicker';
import { StaffSelect } from './StaffSelect';

/**
 * Puts a client on the waitlist: who, which services, with whom (or anyone), the days and the
 * daily hours they can come. The domain checks the same bounds again (waitlist.add).
 */
export function WaitlistForm(props: {
  today: string;
  providers: StaffRow[];
  services: ServiceRow[];
  onDone: () => void;
}) {
  const { mutate } = useDevice();
  const { today, providers, services } = props;
  const [client, setClient] = useState<{ id: string; name: string } | null>(null);
  const [serviceIds, setServiceIds] = useState<string[]>([]);
  const [staffId, setStaffId] = useState('');
  const [fromDate, setFromDate] = useState(today);
  const [toDate, setToDate] = useState(addDays(today, 7));
  const [windowStart, setWindowStart] = useState('');
  const [windowEnd, setWindowEnd] = useState('');
  const [notes, setNotes] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const toggle = (id: string, on: boolean) =>
    setServiceIds((ids) => (on ? [...ids, id] : ids.filter((x) => x !== id)));

  async function add() {
    const window = windowStart || windowEnd ? { windowStart, windowEnd } : {};
    const wrong = !client
      ? 'Choose the client.'
      : serviceIds.length === 0
        ? 'Choose at least one service.'
        : waitlistRangeProblem({ fromDate, toDate, ...window });
    if (wrong) {
      setProblem(wrong.endsWith('.') ? wrong : `Check the dates and times: ${wrong}.`);
      return;
    }
    const args: Record<string, unknown> = {
      id: newId(),
      clientId: client!.id,
      serviceIds,
      fromDate,
      toDate,
      ...window,
    };
    if (staffId) args['staffId'] = staffId;
    if (notes.trim()) args['notes'] = notes.trim();
    if (await mutate('waitlist.add', args)) props.onDone();
  }

  return (
    <form
      className="stack"
      aria-label="Add to waitlist"
      onSubmit={(e) => {
        e.preventDefault();
        void add();
      }}
    >
      <ClientPicker value={client} onChange={setClient} />
      <fieldset>
        <legend>Services (up to {MAX_WAITLIST_SERVICES})</legend>
        <div className="row wrap">
          {services.map((s) => (
            <label key={s.id} className="check">
              <input
                type="checkbox"
                checked={serviceIds.includes(s.id)}
                disabled={!serviceIds.includes(s.id) && serviceIds.length >= MAX_WAITLIST_SERVICES}
                onChange={(e) => toggle(s.id, e.target.checked)}
              />{' '}
              {s.name}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="row wrap">
        <StaffSelect
          label="Technician"
          anyone="Anyone"
          staff={providers}
          value={staffId}
          onChange={setStaffId}
        />
        <label>
          First day
          <input
            type="date"
            value={fromDate}
            min={today}
            onChange={(e) => setFromDate(e.target.value)}
          />
        </label>
        <label>
          Last day
          <input
            type="date"
            value={toDate}
            min={fromDate}
            max={lastWaitlistDay(fromDate)}
            onChange={(e) => setToDate(e.target.value)}
          />
        </label>
        <label>
          Free from
          <input type="time" value={windowStart} onChange={(e) => setWindowStart(e.target.value)} />
        </label>
        <label>
          Free until
          <input type="time" value={windowEnd} onChange={(e) => setWindowEnd(e.target.value)} />
        </label>
      </div>
      <label>
        Notes
        <textarea value={notes} maxLength={500} onChange={(e) => setNotes(e.target.value)} />
      </label>
      {problem && <p role="alert">{problem}</p>}
      <div className="row">
        <button type="submit" className="primary">
          Add to waitlist
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

import { useState } from 'react';
import { usePageTitle } from '../hooks/usePageTitle';
import { useStoreRow } from '../hooks/useStoreRow';
import { addDays, localYmd } from '../lib/time';
import { AppointmentBook } from '../ui/AppointmentBook';
import { OpenTicketsBoard } from '../ui/OpenTicketsBoard';
import { TurnTracker } from '../ui/TurnTracker';
import { Waitlist } from '../ui/Waitlist';

export default function FrontDesk() {
  usePageTitle('Front desk');
  const { timeZone } = useStoreRow();
  const today = localYmd(new Date(), timeZone);
  const [day, setDay] = useState<string | null>(null);
  const ymd = day ?? today;
  const [tab, setTab] = useState<'book' | 'turns'>('book');

  return (
    <section className="frontdesk" aria-label="Front desk">
      <div className="toolbar">
        <h1>Front desk</h1>
        <div className="row" role="group" aria-label="Day">
          <button type="button" aria-label="Previous day" onClick={() => setDay(addDays(ymd, -1))}>
            ‹
          </button>
          <input
            type="date"
            aria-label="Day"
            value={ymd}
            onChange={(e) => e.target.value && setDay(e.target.value)}
          />
          <button type="button" aria-label="Next day" onClick={() => setDay(addDays(ymd, 1))}>
            ›
          </button>
          <button type="button" onClick={() => setDay(null)} disabled={ymd === today}>
            Today
          </button>
        </div>
        <div role="tablist" aria-label="Front desk view" className="tabs">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'book'}
            onClick={() => setTab('book')}
          >
            Appointments
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'turns'}
            onClick={() => setTab('turns')}
          >
            Turn tracker
          </button>
        </div>
      </div>
      <OpenTicketsBoard />
      {tab === 'book' ? <AppointmentBook ymd={ymd} /> : <TurnTracker ymd={ymd} />}
      <Waitlist ymd={ymd} />
    </section>
  );
}

import {
  defaultOnlineBooking,
  MAX_BUFFER_MIN,
  MAX_HORIZON_DAYS,
  MAX_MIN_NOTICE_MIN,
  onlineBookingSettingsSchema,
} from '@mango/domain/online-booking';
import type { OnlineBookingSettings, StoreRow } from '@mango/domain/entities';
import { useState } from 'react';
import { useDevice } from '../../hooks/useDevice';
import { useProviders, useServices } from '../../hooks/useProviders';
import { suggestedSlug } from '../../lib/booking-slug';
import { IdChecklist } from './IdChecklist';

/**
 * The public booking page's settings: on/off, its address, how far ahead and how soon clients
 * may book, the buffer kept around appointments, and which services and staff are offered.
 * Saved with store.updateSettings, checked first with the domain's own schema.
 */
export function OnlineBookingForm({ store }: { store: StoreRow }) {
  const { mutate, notify } = useDevice();
  const services = useServices();
  const providers = useProviders();
  const initial = store.onlineBooking ?? defaultOnlineBooking(suggestedSlug(store.name));
  const [s, setS] = useState<OnlineBookingSettings>(initial);
  const set = <K extends keyof OnlineBookingSettings>(k: K, v: OnlineBookingSettings[K]) =>
    setS((prev) => ({ ...prev, [k]: v }));
  const toggle = (k: 'serviceIds' | 'staffIds', id: string, on: boolean) =>
    setS((prev) => ({
      ...prev,
      [k]: on ? [...prev[k], id] : prev[k].filter((x) => x !== id),
    }));
  const link = `${location.origin}/book/${s.slug}`;

  return (
    <form
      className="card stack"
      aria-label="Online booking"
      onSubmit={async (e) => {
        e.preventDefault();
        const parsed = onlineBookingSettingsSchema.safeParse(s);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return notify(
            `Online booking: ${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}`,
            'error',
          );
        }
        // A slug another store holds is refused by the server when this change syncs: the
        // refusal then shows with the device's other rejected changes.
        if (await mutate('store.updateSettings', { onlineBooking: parsed.data })) {
          notify('Online booking saved.');
        }
      }}
    >
      <h2>Online booking</h2>
      <label className="check">
        <input
          type="checkbox"
          checked={s.enabled}
          onChange={(e) => set('enabled', e.target.checked)}
        />{' '}
        Take bookings online
      </label>
      <div className="row wrap">
        <label>
          Page address
          <input
            type="text"
            value={s.slug}
            minLength={3}
            maxLength={40}
            pattern="[a-z0-9](-?[a-z0-9])*"
            aria-describedby="ob-link"
            onChange={(e) => set('slug', e.target.value.trim().toLowerCase())}
          />
          <span className="muted" id="ob-link">
            Clients book at {link}
          </span>
        </label>
        <label>
          Days ahead
          <input
            type="number"
            min={1}
            max={MAX_HORIZON_DAYS}
            value={s.horizonDays}
            onChange={(e) => set('horizonDays', Number(e.target.value))}
          />
        </label>
        <label>
          Minimum notice (minutes)
          <input
            type="number"
            min={0}
            max={MAX_MIN_NOTICE_MIN}
            step={15}
            value={s.minNoticeMin}
            onChange={(e) => set('minNoticeMin', Number(e.target.value))}
          />
        </label>
        <label>
          Buffer between appointments (minutes)
          <input
            type="number"
            min={0}
            max={MAX_BUFFER_MIN}
            step={5}
            value={s.bufferMin}
            onChange={(e) => set('bufferMin', Number(e.target.value))}
          />
        </label>
      </div>
      <IdChecklist
        legend="Services offered (none ticked: every service)"
        items={services.map((svc) => ({ id: svc.id, label: svc.name }))}
        chosen={s.serviceIds}
        onToggle={(id, on) => toggle('serviceIds', id, on)}
      />
      <IdChecklist
        legend="Staff offered (none ticked: everyone who takes clients)"
        items={providers.map((p) => ({ id: p.id, label: p.displayName }))}
        chosen={s.staffIds}
        onToggle={(id, on) => toggle('staffIds', id, on)}
      />
      <button type="submit" className="primary">
        Save online booking
      </button>
    </form>
  );
}

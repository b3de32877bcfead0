import type { ServiceRow } from '@mango/domain/entities';

/** A labelled pick of a service from the catalog, with its length. */
export function ServiceSelect(props: {
  services: ServiceRow[];
  value: string;
  onChange: (serviceId: string) => void;
}) {
  return (
    <label>
      Service
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.services.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name} ({s.durationMin} min)
          </option>
        ))}
      </select>
    </label>
  );
}

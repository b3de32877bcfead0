import { useState } from 'react';
import { useClientSearch } from '../hooks/useClientSearch';

/** Pick a client by typing part of a name or phone (searched by the worker index). */
export function ClientPicker(props: {
  value: { id: string; name: string } | null;
  onChange: (v: { id: string; name: string } | null) => void;
}) {
  const [q, setQ] = useState('');
  const hits = useClientSearch(q);
  if (props.value) {
    return (
      <div className="row">
        <span>
          Client: <strong>{props.value.name}</strong>
        </span>
        <button type="button" onClick={() => props.onChange(null)}>
          Change client
        </button>
      </div>
    );
  }
  return (
    <div className="stack">
      <label>
        Find client
        <input
          type="search"
          value={q}
          placeholder="Name or phone"
          onChange={(e) => setQ(e.target.value)}
        />
      </label>
      {q.trim() !== '' && (
        <ul className="picker" aria-label="Matching clients">
          {hits.ids.slice(0, 6).map((id, i) => (
            <li key={id}>
              <button
                type="button"
                onClick={() => props.onChange({ id, name: hits.names[i] ?? '' })}
              >
                {hits.names[i]} <span className="muted">{hits.phones[i]}</span>
              </button>
            </li>
          ))}
          {hits.ids.length === 0 && <li className="muted">No client matches.</li>}
        </ul>
      )}
    </div>
  );
}

import { phoneDigits, samePhone } from '@mango/domain/phone';
import { useState, type FormEvent } from 'react';
import { useClientSearch } from '../hooks/useClientSearch';
import { useDevice } from '../hooks/useDevice';
import { newId } from '../lib/ids';

export interface PickedClient {
  id: string;
  name: string;
}

/** The search index matches digits anywhere: the last seven find a number with or without its country code. */
const PHONE_TAIL_DIGITS = 7;

/**
 * Adds a client (name and phone) without leaving what the desk is doing. A phone already on file
 * is pointed out with that client offered instead: the same person must not end up twice.
 */
export function NewClientForm(props: {
  onPicked: (client: PickedClient) => void;
  onCancel: () => void;
}) {
  const { mutate } = useDevice();
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [phone, setPhone] = useState('');
  const digits = phoneDigits(phone);
  const hits = useClientSearch(
    digits.length >= PHONE_TAIL_DIGITS ? digits.slice(-PHONE_TAIL_DIGITS) : '',
  );
  const sameNumber =
    digits.length >= PHONE_TAIL_DIGITS
      ? hits.ids.flatMap((id, i) =>
          samePhone(phone, hits.phones[i])
            ? [{ id, name: hits.names[i] ?? '', phone: hits.phones[i] ?? '' }]
            : [],
        )
      : [];

  async function add(e: FormEvent) {
    e.preventDefault();
    const client = {
      id: newId(),
      firstName: firstName.trim(),
      lastName: lastName.trim(),
      ...(phone.trim() ? { phone: phone.trim() } : {}),
    };
    if (await mutate('client.upsert', client)) {
      props.onPicked({ id: client.id, name: `${client.firstName} ${client.lastName}`.trim() });
    }
  }

  return (
    <form className="stack new-client" aria-label="New client" onSubmit={add}>
      <div className="row wrap">
        <label>
          First name
          <input
            type="text"
            required
            autoComplete="off"
            value={firstName}
            onChange={(e) => setFirstName(e.target.value)}
          />
        </label>
        <label>
          Last name
          <input
            type="text"
            autoComplete="off"
            value={lastName}
            onChange={(e) => setLastName(e.target.value)}
          />
        </label>
        <label>
          Phone
          <input
            type="tel"
            autoComplete="off"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
          />
        </label>
      </div>
      {sameNumber.length > 0 && (
        <div role="status" className="duplicate-warning" aria-label="Phone already on file">
          <p>This phone number is already on file:</p>
          <ul>
            {sameNumber.map((c) => (
              <li key={c.id} className="row wrap">
                <span>
                  <strong>{c.name}</strong> <span className="muted">{c.phone}</span>
                </span>
                <button type="button" onClick={() => props.onPicked({ id: c.id, name: c.name })}>
                  Use {c.name}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="row">
        <button type="submit">
          {sameNumber.length > 0 ? 'Add as a new client anyway' : 'Add client'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Back to search
        </button>
      </div>
    </form>
  );
}

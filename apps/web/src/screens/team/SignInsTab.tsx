import {
  type AccountChange,
  accountChangeRefusal,
  type AccountTarget,
} from '@mango/domain/accounts';
import { ROLES, type Role } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import { useState, type FormEvent } from 'react';
import { useDevice } from '../../hooks/useDevice';
import { useServerList } from '../../hooks/useServerList';
import {
  ApiError,
  createStoreUser,
  listStoreUsers,
  removeStoreUser,
  type StoreUserRow,
  updateStoreUser,
} from '../../lib/api';
import { loadSession } from '../../lib/session';
import { Dialog } from '../../ui/Dialog';

const ROLE_LABEL: Record<Role, string> = {
  owner: 'Owner',
  manager: 'Manager',
  front_desk: 'Front desk',
  technician: 'Technician',
};

const fetchUsers = (token: string, storeId: string) =>
  listStoreUsers(token, storeId).then((r) => ({ items: r.users }));

function errorText(e: unknown, offline: string): string {
  if (e instanceof TypeError) return offline;
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

/**
 * The store's sign-ins (accounts with a password): list, add, change role, deactivate,
 * reactivate, remove. What `accountChangeRefusal` refuses is hidden or disabled here; the server
 * refuses it anyway.
 */
export function SignInsTab() {
  const { device, session, role } = useDevice();
  const { items, error, setError, reload } = useServerList(fetchUsers, {
    signedOut: 'Sign in again to see the sign-ins.',
    offline: 'The sign-ins need the network.',
  });
  const [removing, setRemoving] = useState<StoreUserRow | null>(null);
  const [adding, setAdding] = useState(false);
  const activeOwners = (items ?? []).filter((u) => u.role === 'owner' && u.active).length;
  const refusal = (target: StoreUserRow | null, change: AccountChange) =>
    accountChangeRefusal({
      actor: { userId: session.user.id, role },
      target: target
        ? ({ userId: target.userId, role: target.role, active: target.active } as AccountTarget)
        : null,
      change,
      activeOwners,
    });

  async function run(action: (token: string) => Promise<unknown>) {
    const token = loadSession()?.accessToken;
    if (!token) return setError('Sign in again first.');
    try {
      await action(token);
      reload();
    } catch (e) {
      setError(errorText(e, 'Changing sign-ins needs the network.'));
    }
  }

  return (
    <div className="card">
      <div className="row">
        <h2>Sign-ins</h2>
        <span className="spacer" />
        <button type="button" onClick={reload}>
          Refresh
        </button>
        {can(role, 'users.manage') && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add sign-in
          </button>
        )}
      </div>
      {error && <p role="alert">{error}</p>}
      {items === null && !error && <p className="muted">Loading…</p>}
      {items && (
        <table aria-label="Sign-ins">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((u) => {
              const roles = ROLES.filter(
                (r) => r === u.role || !refusal(u, { kind: 'setRole', role: r }),
              );
              const toggle: AccountChange = { kind: u.active ? 'deactivate' : 'reactivate' };
              const toggleRefused = refusal(u, toggle);
              const removeRefused = refusal(u, { kind: 'remove' });
              return (
                <tr key={u.userId}>
                  <td>
                    {u.displayName ? `${u.displayName} (${u.email})` : u.email}
                    {u.userId === session.user.id ? ' (you)' : ''}
                  </td>
                  <td>
                    <select
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={roles.length <= 1}
                      onChange={(e) =>
                        void run((token) =>
                          updateStoreUser(token, device.storeId, u.userId, {
                            role: e.target.value as Role,
                          }),
                        )
                      }
                    >
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABEL[r]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{u.active ? 'Active' : 'Deactivated'}</td>
                  <td className="row">
                    <button
                      type="button"
                      disabled={toggleRefused !== null}
                      title={toggleRefused?.message}
                      aria-label={`${u.active ? 'Deactivate' : 'Reactivate'} ${u.email}`}
                      onClick={() =>
                        void run((token) =>
                          updateStoreUser(token, device.storeId, u.userId, { active: !u.active }),
                        )
                      }
                    >
                      {u.active ? 'Deactivate' : 'Reactivate'}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      disabled={removeRefused !== null}
                      title={removeRefused?.message}
                      aria-label={`Remove ${u.email}`}
                      onClick={() => setRemoving(u)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {removing && (
        <Dialog title="Remove this sign-in?" onClose={() => setRemoving(null)}>
          <p>
            {removing.email} can no longer sign in to this store; sessions open on any device end
            within seconds. Their sales and history stay.
          </p>
          <div className="row">
            <button type="button" onClick={() => setRemoving(null)}>
              Keep
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                const target = removing;
                setRemoving(null);
                void run((token) => removeStoreUser(token, device.storeId, target.userId));
              }}
            >
              Remove sign-in
            </button>
          </div>
        </Dialog>
      )}
      {adding && (
        <AddSignInDialog
          roles={ROLES.filter((r) => !refusal(null, { kind: 'create', role: r }))}
          onClose={() => setAdding(false)}
          onAdded={reload}
        />
      )}
    </div>
  );
}

function AddSignInDialog(props: { roles: Role[]; onClose: () => void; onAdded: () => void }) {
  const { device, notify } = useDevice();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(props.roles[props.roles.length - 1] ?? 'technician');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const token = loadSession()?.accessToken;
    if (!token) return setError('Sign in again first.');
    try {
      await createStoreUser(token, device.storeId, { email, password, role });
      notify(`${email} can now sign in as ${ROLE_LABEL[role]}.`);
      props.onAdded();
      props.onClose();
    } catch (err) {
      setError(errorText(err, 'Adding a sign-in needs the network.'));
    }
  }
  return (
    <Dialog title="Add a sign-in" onClose={props.onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label>
          Email
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password (at least 8 characters)
          <input
            type="password"
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {props.roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </select>
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Add sign-in
        </button>
      </form>
    </Dialog>
  );
}

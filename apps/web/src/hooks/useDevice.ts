import type { Role, StaffRow } from '@mango/domain/entities';
import { createContext, useContext } from 'react';
import type { Device } from '../lib/device';
import type { StoredSession } from '../lib/session';

export interface MutateOptions {
  /**
   * A manager approved this very change with their PIN (void, refund, comp, removing a payment
   * for the front desk): the approving manager and the PIN they just typed. The PIN is used once
   * to sign the approval of this mutation and is not kept.
   */
  approval?: { staffId: string; pin: string };
  /**
   * A local refusal (coded): return true when the caller handles it (e.g. asks for a manager's
   * approval), so no error notice is shown.
   */
  onRefused?: (refusal: { code: string; message: string }) => boolean;
}

export interface DeviceContextValue {
  device: Device;
  session: StoredSession;
  /** The staff member at the desk, unlocked or switched in by PIN (mutations carry them), or null: the signed-in account acts. */
  acting: StaffRow | null;
  setActing(staff: StaffRow | null): void;
  /** Locks the desk: back to the PIN lock screen (sync keeps running). */
  lock(): void;
  /**
   * The role the desk acts with: the acting staff member's role capped by the signed-in
   * account's (`cappedRole`), or the account's. Screens decide with `can(role, …)`.
   */
  role: Role;
  /**
   * Runs a mutation through the sync engine (optimistic, durable in the outbox). Resolves true
   * when stored; on a local refusal shows the reason and resolves false.
   */
  mutate(name: string, args: Record<string, unknown>, opts?: MutateOptions): Promise<boolean>;
  notify(message: string, kind?: 'info' | 'error'): void;
  /** True when the acting person (capped role) is a manager or owner. */
  isManager: boolean;
}

export const DeviceContext = createContext<DeviceContextValue | null>(null);

export function useDevice(): DeviceContextValue {
  const ctx = useContext(DeviceContext);
  if (!ctx) throw new Error('useDevice outside of a signed-in device');
  return ctx;
}

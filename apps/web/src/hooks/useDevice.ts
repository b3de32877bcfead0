import type { StaffRow } from '@mango/domain/entities';
import { createContext, useContext } from 'react';
import type { Device } from '../lib/device';
import type { StoredSession } from '../lib/session';

export interface MutateOptions {
  /** A manager approved this change with their PIN (void, refund, comp by the front desk). */
  managerApproval?: boolean;
}

export interface DeviceContextValue {
  device: Device;
  session: StoredSession;
  /** The staff member switched in by PIN (mutations carry them), or null. */
  acting: StaffRow | null;
  setActing(staff: StaffRow | null): void;
  /**
   * Runs a mutation through the sync engine (optimistic, durable in the outbox). Resolves true
   * when stored; on a local refusal shows the reason and resolves false.
   */
  mutate(name: string, args: Record<string, unknown>, opts?: MutateOptions): Promise<boolean>;
  notify(message: string, kind?: 'info' | 'error'): void;
  /** True when the acting person may do manager things without another approval. */
  isManager: boolean;
}

export const DeviceContext = createContext<DeviceContextValue | null>(null);

export function useDevice(): DeviceContextValue {
  const ctx = useContext(DeviceContext);
  if (!ctx) throw new Error('useDevice outside of a signed-in device');
  return ctx;
}

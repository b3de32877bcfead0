import type { ServiceRow, StaffRow } from '@mango/domain/entities';
import { useMemo } from 'react';
import { takesClients } from '@mango/domain/online-booking';
import { useLive } from './useLive';
import { useStaff } from './useStoreRow';

/** The active services, by name. */
export function useServices(): ServiceRow[] {
  const rows = useLive((r) => r.list('service'), []);
  return useMemo(
    () =>
      (rows ?? []).filter((s) => s.active !== false).sort((a, b) => a.name.localeCompare(b.name)),
    [rows],
  );
}

/** Staff who take clients (everyone active but the front desk). */
export function useProviders(): StaffRow[] {
  const { staff } = useStaff();
  return staff.filter(takesClients);
}

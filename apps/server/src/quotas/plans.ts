/**
 * The plans' limits (seed plan 5.2, "Multi-Tenant Resource Quotas"). `null` = unlimited.
 * `apiRequestsPerMinute` is the store's budget across all its devices and users;
 * `deviceRequestsPerMinute` (ours, not the seed's) caps one device so a device stuck in a retry
 * loop cannot spend its whole store's budget.
 */
export const PLAN_NAMES = ['free', 'pro', 'enterprise'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export interface PlanLimits {
  maxStaff: number | null;
  maxClients: number | null;
  maxAppointmentsPerDay: number | null;
  maxStorageBytes: number | null;
  apiRequestsPerMinute: number;
  deviceRequestsPerMinute: number;
}

const GIB = 1024 ** 3;

export const PLAN_LIMITS: Readonly<Record<PlanName, PlanLimits>> = {
  free: {
    maxStaff: 3,
    maxClients: 500,
    maxAppointmentsPerDay: 50,
    maxStorageBytes: 1 * GIB,
    apiRequestsPerMinute: 30,
    deviceRequestsPerMinute: 20,
  },
  pro: {
    maxStaff: 15,
    maxClients: 5000,
    maxAppointmentsPerDay: 200,
    maxStorageBytes: 10 * GIB,
    apiRequestsPerMinute: 100,
    deviceRequestsPerMinute: 60,
  },
  enterprise: {
    maxStaff: null,
    maxClients: null,
    maxAppointmentsPerDay: null,
    maxStorageBytes: 100 * GIB,
    apiRequestsPerMinute: 500,
    deviceRequestsPerMinute: 200,
  },
};

export function isPlanName(value: unknown): value is PlanName {
  return typeof value === 'string' && (PLAN_NAMES as readonly string[]).includes(value);
}

/** A store's plan, read from `stores.plan`; an unknown value is treated as the free plan. */
export function planLimitsOf(plan: unknown): PlanLimits {
  return PLAN_LIMITS[isPlanName(plan) ? plan : 'free'];
}

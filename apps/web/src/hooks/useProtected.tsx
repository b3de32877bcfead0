import { can, canWithApproval, type PermissionName } from '@mango/domain/permissions';
import { useState, type ReactNode } from 'react';
import { ManagerApproval } from '../ui/ManagerApproval';
import { useDevice, type MutateOptions } from './useDevice';

/**
 * Runs an action the permission table guards: at once when the acting role may do it, after a
 * manager's PIN when it may only with an approval (`run` then gets `{ approval }` for its
 * mutation), refused with a message otherwise. Render `dialog`.
 */
export function useProtected(): {
  guard: (
    permission: PermissionName,
    action: string,
    run: (o: MutateOptions) => Promise<void>,
  ) => void;
  /** Whether the action is possible at all for the acting role (outright or with approval). */
  allowed: (permission: PermissionName) => boolean;
  dialog: ReactNode;
} {
  const { role, notify } = useDevice();
  const [pending, setPending] = useState<{
    action: string;
    run: (o: MutateOptions) => Promise<void>;
  } | null>(null);
  const guard = (
    permission: PermissionName,
    action: string,
    run: (o: MutateOptions) => Promise<void>,
  ) => {
    if (can(role, permission)) void run({});
    else if (canWithApproval(role, permission)) setPending({ action, run });
    else notify(`A ${role.replace('_', ' ')} cannot ${action}.`, 'error');
  };
  const dialog = pending && (
    <ManagerApproval
      action={pending.action}
      onClose={() => setPending(null)}
      onApproved={(approval) => {
        const p = pending;
        setPending(null);
        void p.run({ approval });
      }}
    />
  );
  return {
    guard,
    allowed: (permission) => can(role, permission) || canWithApproval(role, permission),
    dialog,
  };
}

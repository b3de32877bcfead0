import type { z } from 'zod';
import type { PermissionName } from '../permissions';
import type { MutatorContext } from '../tx';

/**
 * One command of the sync protocol. The same definition runs optimistically on the device and
 * authoritatively on the server; `applyMutation` validates the args and the role before `run`.
 */
export interface MutatorDef<N extends string = string, S extends z.ZodType = z.ZodType> {
  readonly name: N;
  readonly description: string;
  readonly args: S;
  /**
   * What it needs, from THE permission table (permissions.ts): roles allowed outright, and roles
   * allowed only with a verified manager's approval (the mutator calls `requireApproval`).
   */
  readonly permission: PermissionName;
  /** A finer rule that needs the args or stored rows (e.g. a technician's own appointment). */
  authorize?(ctx: MutatorContext, args: z.output<S>): Promise<void> | void;
  run(ctx: MutatorContext, args: z.output<S>): Promise<void>;
}

export function defineMutator<N extends string, S extends z.ZodType>(
  def: MutatorDef<N, S>,
): MutatorDef<N, S> {
  return def;
}

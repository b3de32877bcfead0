import {
  applyMutation,
  createMemoryStore,
  type MemoryStore,
  type MutatorArgs,
  type MutatorName,
  type Role,
  type StoreRow,
} from '@mango/domain';
import type { Mutation } from '@mango/protocol';

/** Who is at the desk for a mutation: a staff member (switched in by PIN) or the owner account. */
export interface DemoActor {
  staffId: string | null;
  role: Role;
}

export interface DemoDeviceIds {
  storeId: string;
  deviceId: string;
  /** The signed-in account (the owner): the ceiling of every acting staff member's role. */
  userId: string;
}

/**
 * The demo's front-desk device. Like a real device it runs every mutation through the shared
 * domain mutators on its own copy of the store first, and only then queues it for the server:
 * what it decides next (how much is still due, what a gift card has left, what the drawer
 * should hold) it reads from that copy, as a person at the desk reads the screen. The server
 * then runs the same mutators again over PostgreSQL, authoritatively.
 *
 * A mutation the domain refuses here throws at once, naming it: the demo plan is wrong.
 */
export class DemoDevice {
  readonly local: MemoryStore = createMemoryStore();
  readonly mutations: Mutation[] = [];

  private constructor(private readonly ids: DemoDeviceIds) {}

  /** A device whose local copy starts with the store row as the server has it. */
  static async start(ids: DemoDeviceIds, store: StoreRow): Promise<DemoDevice> {
    const device = new DemoDevice(ids);
    await device.local.put('store', store);
    return device;
  }

  async run<N extends MutatorName>(
    at: number,
    actor: DemoActor,
    name: N,
    args: MutatorArgs<N>,
  ): Promise<void> {
    const clientTime = new Date(at).toISOString();
    try {
      // No rollback needed on the local copy: a refusal ends the seed.
      await applyMutation(
        {
          tx: this.local,
          storeId: this.ids.storeId,
          actor: {
            userId: this.ids.userId,
            staffId: actor.staffId,
            role: actor.role,
            deviceId: this.ids.deviceId,
            approvedBy: null,
          },
          now: clientTime,
        },
        name,
        args,
      );
    } catch (e) {
      throw new Error(
        `demo seed: ${name} at ${clientTime} was refused: ${(e as Error).message} ${JSON.stringify(args)}`,
        { cause: e },
      );
    }
    this.mutations.push({
      id: this.mutations.length + 1,
      name,
      args: args as Record<string, unknown>,
      clientTime,
      ...(actor.staffId ? { actorStaffId: actor.staffId } : {}),
    });
  }
}

import { describe, expect, it } from 'vitest';
import { accountChangeRefusal, type AccountChange, pinChangeRefusal } from './accounts';
import type { Role } from './entities';

const ROLES: Role[] = ['owner', 'manager', 'front_desk', 'technician'];
const me = (role: Role) => ({ userId: 'me', role });
const other = (role: Role, active = true) => ({ userId: 'other', role, active });
const codeOf = (r: ReturnType<typeof accountChangeRefusal>) => r?.code ?? null;

describe('accountChangeRefusal', () => {
  it('creating: the owner any role, a manager front desk and technicians, nobody else', () => {
    const allowed: Record<Role, Role[]> = {
      owner: ['owner', 'manager', 'front_desk', 'technician'],
      manager: ['front_desk', 'technician'],
      front_desk: [],
      technician: [],
    };
    for (const actor of ROLES)
      for (const role of ROLES) {
        const r = accountChangeRefusal({
          actor: me(actor),
          target: null,
          change: { kind: 'create', role },
          activeOwners: 1,
        });
        expect(codeOf(r), `${actor} creates ${role}`).toBe(
          allowed[actor].includes(role) ? null : 'FORBIDDEN_ROLE',
        );
      }
  });

  it('a manager cannot demote, deactivate or remove the owner, nor promote anyone to manager', () => {
    const changes: AccountChange[] = [
      { kind: 'setRole', role: 'technician' },
      { kind: 'deactivate' },
      { kind: 'remove' },
    ];
    for (const change of changes)
      expect(
        codeOf(
          accountChangeRefusal({
            actor: me('manager'),
            target: other('owner'),
            change,
            activeOwners: 2,
          }),
        ),
      ).toBe('FORBIDDEN_ROLE');
    expect(
      codeOf(
        accountChangeRefusal({
          actor: me('manager'),
          target: other('technician'),
          change: { kind: 'setRole', role: 'manager' },
          activeOwners: 1,
        }),
      ),
    ).toBe('FORBIDDEN_ROLE');
    expect(
      accountChangeRefusal({
        actor: me('manager'),
        target: other('technician'),
        change: { kind: 'setRole', role: 'front_desk' },
        activeOwners: 1,
      }),
    ).toBeNull();
  });

  it('nobody takes away the last active owner; a second owner may be', () => {
    for (const change of [
      { kind: 'setRole', role: 'manager' },
      { kind: 'deactivate' },
      { kind: 'remove' },
    ] as AccountChange[]) {
      expect(
        codeOf(
          accountChangeRefusal({
            actor: me('owner'),
            target: other('owner'),
            change,
            activeOwners: 1,
          }),
        ),
      ).toBe('LAST_OWNER');
      expect(
        accountChangeRefusal({
          actor: me('owner'),
          target: other('owner'),
          change,
          activeOwners: 2,
        }),
      ).toBeNull();
    }
    // The last owner demoting themselves: refused as well.
    expect(
      codeOf(
        accountChangeRefusal({
          actor: me('owner'),
          target: { ...me('owner'), active: true },
          change: { kind: 'setRole', role: 'manager' },
          activeOwners: 1,
        }),
      ),
    ).toBe('LAST_OWNER');
    // An inactive owner is not counted and may be removed.
    expect(
      accountChangeRefusal({
        actor: me('owner'),
        target: other('owner', false),
        change: { kind: 'remove' },
        activeOwners: 1,
      }),
    ).toBeNull();
  });

  it('nobody raises their own role, deactivates or removes themselves; lowering is allowed', () => {
    const self = { ...me('owner'), active: true };
    expect(
      codeOf(
        accountChangeRefusal({
          actor: me('owner'),
          target: self,
          change: { kind: 'remove' },
          activeOwners: 3,
        }),
      ),
    ).toBe('SELF_CHANGE');
    expect(
      codeOf(
        accountChangeRefusal({
          actor: me('owner'),
          target: self,
          change: { kind: 'deactivate' },
          activeOwners: 3,
        }),
      ),
    ).toBe('SELF_CHANGE');
    expect(
      accountChangeRefusal({
        actor: me('owner'),
        target: self,
        change: { kind: 'setRole', role: 'manager' },
        activeOwners: 2,
      }),
    ).toBeNull();
    // A manager making themselves owner: refused (the permission already, and the self rule).
    expect(
      codeOf(
        accountChangeRefusal({
          actor: me('manager'),
          target: { ...me('manager'), active: true },
          change: { kind: 'setRole', role: 'owner' },
          activeOwners: 1,
        }),
      ),
    ).toBe('FORBIDDEN_ROLE');
  });

  it('front desk and technicians change nobody', () => {
    for (const actor of ['front_desk', 'technician'] as Role[])
      for (const role of ROLES)
        expect(
          codeOf(
            accountChangeRefusal({
              actor: me(actor),
              target: other(role),
              change: { kind: 'deactivate' },
              activeOwners: 2,
            }),
          ),
        ).toBe('FORBIDDEN_ROLE');
  });
});

describe('pinChangeRefusal', () => {
  it('owner: everyone; manager: self, front desk and technicians; below: nobody', () => {
    const allowed: Record<Role, Role[]> = {
      owner: ROLES,
      manager: ['front_desk', 'technician'],
      front_desk: [],
      technician: [],
    };
    for (const actorRole of ROLES)
      for (const targetRole of ROLES)
        expect(
          pinChangeRefusal({ actorRole, self: false, targetRole })?.code ?? null,
          `${actorRole} sets ${targetRole}`,
        ).toBe(allowed[actorRole].includes(targetRole) ? null : 'FORBIDDEN_ROLE');
    expect(
      pinChangeRefusal({ actorRole: 'manager', self: true, targetRole: 'manager' }),
    ).toBeNull();
    expect(
      pinChangeRefusal({ actorRole: 'front_desk', self: true, targetRole: 'front_desk' }),
    ).not.toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { DOMAIN_ERROR_CODES } from '../error-codes';
import { DomainError } from '../errors';
import { apply, context, ids, seededStore, uid } from '../test-support/fixtures';
import {
  applyMutation,
  isMutatorName,
  MUTATOR_NAMES,
  MUTATOR_ROLES,
  mutatorCatalog,
  mutators,
} from './registry';

/** The protocol's table: these names and argument names are a wire contract. */
const PROTOCOL: Record<string, string[]> = {
  'client.upsert': ['id', 'firstName', 'lastName', 'phone', 'email', 'notes'],
  'client.delete': ['id'],
  'service.upsert': ['id', 'name', 'durationMin', 'priceCents', 'taxable'],
  'staff.upsert': ['id', 'displayName', 'role', 'active'],
  'appointment.book': ['id', 'staffId', 'serviceId', 'start', 'clientId', 'notes'],
  'appointment.reschedule': ['id', 'start', 'staffId'],
  'appointment.cancel': ['id', 'reason'],
  'ticket.open': ['id', 'clientId', 'appointmentId'],
  'ticket.addLine': ['ticketId', 'lineId', 'kind', 'itemId', 'staffId', 'quantity'],
  'ticket.removeLine': ['ticketId', 'lineId'],
  'ticket.addPayment': [
    'ticketId',
    'paymentId',
    'method',
    'amountCents',
    'tipCents',
    'giftCardId',
    'reference',
  ],
  'ticket.close': ['ticketId'],
  'ticket.void': ['ticketId', 'reason'],
};

describe('the mutator registry', () => {
  it('has every protocol mutator with its argument names', () => {
    const catalog = mutatorCatalog();
    for (const [name, args] of Object.entries(PROTOCOL)) {
      const entry = catalog.find((e) => e.name === name);
      expect(entry, name).toBeDefined();
      const properties = Object.keys((entry?.argsSchema.properties ?? {}) as object);
      expect(properties, name).toEqual(expect.arrayContaining(args));
    }
  });

  it('keys every mutator by its own name and describes it', () => {
    for (const name of MUTATOR_NAMES) {
      expect(mutators[name].name).toBe(name);
      expect(mutators[name].description.length).toBeGreaterThan(20);
      expect(MUTATOR_ROLES[name]).toContain('owner');
    }
    expect(isMutatorName('ticket.open')).toBe(true);
    expect(isMutatorName('toString')).toBe(false);
  });

  it('serves strict JSON Schemas: unknown keys are refused', () => {
    for (const entry of mutatorCatalog()) {
      expect(entry.argsSchema.type, entry.name).toBe('object');
      expect(entry.argsSchema.additionalProperties, entry.name).toBe(false);
      expect(entry.roles.length).toBeGreaterThan(0);
    }
  });

  it('lists unique error codes', () => {
    expect(new Set(DOMAIN_ERROR_CODES).size).toBe(DOMAIN_ERROR_CODES.length);
  });
});

describe('applyMutation', () => {
  it('rejects an unknown mutation', async () => {
    const store = await seededStore();
    expect(await apply(store, 'ticket.teleport', {})).toMatchObject({
      ok: false,
      code: 'UNKNOWN_MUTATION',
    });
  });

  it('rejects invalid args naming the field, with zod issues as details', async () => {
    const store = await seededStore();
    const error = await applyMutation(context(store), 'ticket.addPayment', {
      ticketId: uid(500),
      paymentId: 'not-a-uuid',
      method: 'cash',
      amountCents: -5,
      bogus: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    const domainError = error as DomainError;
    expect(domainError.code).toBe('INVALID_ARGS');
    expect(domainError.message).toMatch(/paymentId/);
    expect(domainError.message).toMatch(/amountCents/);
    expect(domainError.message).toMatch(/Unrecognized key/);
    expect(Array.isArray(domainError.details)).toBe(true);
  });

  it('rejects non-integer cents and bad datetimes', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'ticket.addPayment', {
        ticketId: uid(500),
        paymentId: uid(501),
        method: 'cash',
        amountCents: 10.5,
      }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(
      await apply(store, 'appointment.book', {
        id: uid(500),
        staffId: ids.ana,
        serviceId: ids.manicure,
        start: 'tomorrow',
      }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(await apply(store, 'client.upsert', null)).toMatchObject({
      code: 'INVALID_ARGS',
      message: expect.stringMatching(/\(arguments\)/),
    });
  });

  it('checks the role before running', async () => {
    const store = await seededStore();
    const outcome = await apply(
      store,
      'service.upsert',
      { id: uid(500), name: 'Gel', durationMin: 30, priceCents: 100, taxable: true },
      { role: 'front_desk' },
    );
    expect(outcome).toMatchObject({ ok: false, code: 'FORBIDDEN_ROLE' });
    expect(await store.get('service', uid(500))).toBeUndefined();
  });
});

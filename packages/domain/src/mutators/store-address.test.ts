import { describe, expect, it } from 'vitest';
import { apply, seededStore, STORE_ID } from '../test-support/fixtures';

const OWNER = { role: 'owner' as const };

describe('store.updateSettings address', () => {
  it('keeps a multi-line address, trimmed, and clears it with an empty one', async () => {
    const store = await seededStore();
    const address = '12 Main Street\nSuite 4\nBrooklyn, NY 11201';
    expect(
      await apply(store, 'store.updateSettings', { address: `  ${address}\n` }, OWNER),
    ).toEqual({ ok: true });
    expect((await store.get('store', STORE_ID))?.address).toBe(address);
    // Other settings are untouched by it.
    expect((await store.get('store', STORE_ID))?.taxRatePpm).toBe(82_500);

    expect(await apply(store, 'store.updateSettings', { address: '' }, OWNER)).toEqual({
      ok: true,
    });
    expect((await store.get('store', STORE_ID))?.address).toBe('');
  });

  it('refuses more than 300 characters or six lines, and the front desk', async () => {
    const store = await seededStore();
    for (const address of ['x'.repeat(301), 'a\nb\nc\nd\ne\nf\ng']) {
      expect(await apply(store, 'store.updateSettings', { address }, OWNER)).toMatchObject({
        ok: false,
        code: 'INVALID_ARGS',
      });
    }
    expect(await apply(store, 'store.updateSettings', { address: 'x'.repeat(300) }, OWNER)).toEqual(
      { ok: true },
    );
    expect(
      await apply(store, 'store.updateSettings', { address: '1 Other Rd' }, { role: 'front_desk' }),
    ).toMatchObject({ ok: false, code: 'FORBIDDEN_ROLE' });
    expect((await store.get('store', STORE_ID))?.address).toBe('x'.repeat(300));
  });
});

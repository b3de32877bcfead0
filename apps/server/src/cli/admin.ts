import { parseArgs } from 'node:util';
import { ROLES, type Role } from '@mango/domain/entities';
import { signup } from '../auth/auth-service';
import { createTokenSigner, resolveJwtSecret } from '../auth/tokens';
import { addStoreUser } from '../auth/users';
import { systemClock } from '../clock';
import { ConfigError, loadConfig } from '../config';
import { openConfiguredDb } from '../db/open-configured';
import { migrate } from '../db/migrate';

const USAGE = `Mango POS admin

  npm run admin -- migrate
  npm run admin -- create-org --org "Salon Inc" --store "Main St" --email owner@x.com --password "…" [--tz America/New_York] [--currency USD] [--tax-bps 825]
  npm run admin -- add-user --store <storeId> --email staff@x.com --password "…" --role manager|front_desk|technician|owner

Uses the same configuration as the server (DATABASE_URL, DATABASE_OWNER_URL, DATA_DIR, …).`;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      org: { type: 'string' },
      store: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      tz: { type: 'string' },
      currency: { type: 'string' },
      'tax-bps': { type: 'string' },
    },
  });
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
    return v;
  };
  if (!command || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const db = await openConfiguredDb(config);
  try {
    if (command === 'migrate') {
      const applied = await migrate(db);
      console.log(
        applied.length === 0
          ? 'Migrations: up to date.'
          : `Applied: ${applied.map((m) => m.name).join(', ')}`,
      );
      return 0;
    }
    await migrate(db);
    if (command === 'create-org') {
      const session = await signup(
        {
          db,
          clock: systemClock,
          signer: createTokenSigner(resolveJwtSecret(config.jwtSecret, config.dataDir)),
          accessTokenTtlSec: config.accessTokenTtlSec,
          refreshTokenTtlSec: config.refreshTokenTtlSec,
        },
        {
          organizationName: need('org'),
          storeName: need('store'),
          email: need('email'),
          password: need('password'),
          ...(values.tz ? { timeZone: values.tz } : {}),
          ...(values.currency ? { currency: values.currency } : {}),
          ...(values['tax-bps'] ? { taxRateBps: Number(values['tax-bps']) } : {}),
        },
      );
      console.log(
        `Organization ${session.user.organizationId}, store ${session.stores[0]?.id}, owner ${session.user.email}`,
      );
      return 0;
    }
    if (command === 'add-user') {
      const storeId = need('store');
      const role = need('role') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const store = await db.ownerTransaction(async (sql) => {
        const res = await sql.query<{ organization_id: string }>(
          'select organization_id from stores where id = $1',
          [storeId],
        );
        return res.rows[0];
      });
      if (!store) throw new UsageError(`no store ${storeId}`);
      const result = await addStoreUser(
        db,
        { storeId, organizationId: store.organization_id, userId: '', role: 'owner' },
        { email: need('email'), password: need('password'), role },
      );
      console.log(
        `${result.created ? 'Created' : 'Updated'} user ${result.userId} as ${role} of store ${storeId}`,
      );
      return 0;
    }
    throw new UsageError(`unknown command ${command}`);
  } finally {
    await db.close();
  }
}

class UsageError extends Error {}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);

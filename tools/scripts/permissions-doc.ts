import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROLES } from '@mango/domain/entities';
import { MUTATOR_NAMES, MUTATOR_PERMISSIONS } from '@mango/domain';
import { PERMISSION_NAMES, PERMISSIONS, type Permission } from '@mango/domain/permissions';

const START = '<!-- permission-table:start -->';
const END = '<!-- permission-table:end -->';

/** The permission table of packages/domain/src/permissions.ts as markdown, one row per permission. */
export function permissionTableMarkdown(): string {
  const header = `| Permission | What it allows | ${ROLES.map((r) => r.replace('_', ' ')).join(' | ')} | Mutators |`;
  const rule = `| --- | --- | ${ROLES.map(() => ':---:').join(' | ')} | --- |`;
  const rows = PERMISSION_NAMES.map((name) => {
    const p: Permission = PERMISSIONS[name];
    const cells = ROLES.map((role) =>
      p.roles.includes(role) ? 'yes' : (p.withApproval ?? []).includes(role) ? 'approval' : '—',
    );
    const mutators = MUTATOR_NAMES.filter((m) => MUTATOR_PERMISSIONS[m] === name)
      .map((m) => `\`${m}\``)
      .join(', ');
    return `| \`${name}\` | ${p.description} | ${cells.join(' | ')} | ${mutators || '— (a finer rule or REST routes)'} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** docs/SECURITY.md with its permission table regenerated from the domain. */
export function withPermissionTable(doc: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start)
    throw new Error('docs/SECURITY.md lacks the permission-table markers');
  return `${doc.slice(0, start + START.length)}\n${permissionTableMarkdown()}\n${doc.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = path.resolve(import.meta.dirname, '../../docs/SECURITY.md');
  writeFileSync(file, withPermissionTable(readFileSync(file, 'utf8')));
  console.log('docs/SECURITY.md permission table updated');
}

#!/bin/sh
# A base backup with pg_basebackup: the starting point that archived WAL is replayed onto.
#
#   base-backup.sh <backup-root> [<conninfo>]
#     e.g. base-backup.sh /var/backups/mango 'host=db1 user=replicator'
#
# Writes <backup-root>/base-<UTC timestamp>/ (base.tar.gz, pg_wal.tar.gz, backup_manifest) and
# prints that path. Run it daily (cron/systemd timer) as a role with REPLICATION; it keeps the
# newest KEEP_BASE_BACKUPS (default 7). WAL older than the oldest kept backup may be removed from
# the archive with pg_archivecleanup (docs/OPERATIONS.md). The backup includes the WAL needed to
# make it consistent by itself (-X stream); archived WAL takes it further in time.
set -eu
root="$1"
conninfo="${2:-}"
keep="${KEEP_BASE_BACKUPS:-7}"
PATH="${PG_BIN:-/usr/lib/postgresql/15/bin}:$PATH"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$root/base-$stamp"
mkdir -p "$root"
# A failed run leaves only a .partial directory, never something that looks like a backup.
rm -rf "$dest.partial"
if [ -n "$conninfo" ]; then
  pg_basebackup -d "$conninfo" -D "$dest.partial" -Ft -z -X stream -c fast -l "mango $stamp"
else
  pg_basebackup -D "$dest.partial" -Ft -z -X stream -c fast -l "mango $stamp"
fi
mv "$dest.partial" "$dest"

# Keep the newest $keep backups.
ls -1d "$root"/base-* 2>/dev/null | grep -v '\.partial$' | sort | head -n "-$keep" | while read -r old; do
  rm -rf "$old"
done
echo "$dest"

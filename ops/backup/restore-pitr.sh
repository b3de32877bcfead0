#!/bin/sh
# Point-in-time restore: a base backup plus archived WAL, replayed up to a target, into a NEW data
# directory (never over the damaged one: keep it until the restore is verified).
#
#   restore-pitr.sh <base-backup-dir> <wal-archive-dir> <new-data-dir> <target>
#     <target>: --time '2026-11-24 14:05:00+00'   replay up to (not including) this moment
#               --xid 123456                        stop just before this transaction (from the logs
#                                                   or pg_waldump: the destructive one)
#               --latest                            everything archived (lost primary)
#
# Then start PostgreSQL on the new directory (pg_ctl -D <new-data-dir> start). It replays WAL,
# stops at the target, promotes itself to a primary on a new timeline, and accepts writes.
# Run as the postgres OS user.
set -eu
backup="$1"
archive="$2"
data="$3"
kind="$4"
value="${5:-}"

case "$kind" in
  --time) target="recovery_target_time = '$value'
recovery_target_inclusive = false" ;;
  --xid) target="recovery_target_xid = '$value'
recovery_target_inclusive = false" ;;
  --latest) target="" ;;
  *) echo "restore-pitr: unknown target $kind" >&2; exit 2 ;;
esac

if [ -e "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
  echo "restore-pitr: $data is not empty: restore into a new directory" >&2
  exit 1
fi
mkdir -p "$data"
chmod 700 "$data"
tar -xzf "$backup/base.tar.gz" -C "$data"
if [ -f "$backup/pg_wal.tar.gz" ]; then tar -xzf "$backup/pg_wal.tar.gz" -C "$data/pg_wal"; fi

cat >> "$data/postgresql.auto.conf" <<CONF
# --- point-in-time restore ($(date -u +%Y-%m-%dT%H:%M:%SZ)) ---
restore_command = 'cp "$archive/%f" "%p"'
recovery_target_action = 'promote'
$target
CONF
touch "$data/recovery.signal"
echo "$data"

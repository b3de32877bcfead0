#!/bin/sh
# WAL archiving for point-in-time recovery. PostgreSQL runs it for every finished WAL segment:
#
#   archive_mode = on
#   archive_command = '/opt/mango/ops/backup/archive-wal.sh %p %f /var/lib/mango/wal-archive'
#   archive_timeout = 60      # a quiet server still archives at least once a minute (bounds RPO)
#
# Exit 0 only once the segment is durably in the archive: PostgreSQL keeps the segment in pg_wal
# and retries until then, so a full or unreachable archive never loses WAL (pg_wal grows instead;
# the MangoWalArchivingFailing alert fires). The archive directory should be a mount replicated
# off the host (another region: the seed plan's "cross-region, 30 days"), or synced there by a
# separate job; see docs/OPERATIONS.md.
set -eu
src="$1"
name="$2"
dir="${3:-${WAL_ARCHIVE_DIR:?give the archive directory as the third argument or WAL_ARCHIVE_DIR}}"

mkdir -p "$dir"
if [ -f "$dir/$name" ]; then
  # A retry after a crash between copy and PostgreSQL noting it: fine if identical, never overwrite.
  if cmp -s "$src" "$dir/$name"; then exit 0; fi
  echo "archive-wal: $dir/$name already exists with different content" >&2
  exit 1
fi
tmp="$dir/.$name.partial"
cp "$src" "$tmp"
sync "$tmp"
mv "$tmp" "$dir/$name"
sync "$dir"

#!/usr/bin/env bash
# Backs up a MyRelay installation into DIR: the database (pg_dump's custom format, consistent as
# of one moment, taken while the app runs) and the uploaded files (MYRELAY_DATA_DIR/files, stored
# by content hash: a file is never changed once written, so copying them after the dump misses
# nothing the dump names). Live presence (unlogged tables) is left out: it is rebuilt as people
# reconnect. With MYRELAY_S3_BUCKET set the files live in the bucket: back it up with the store's
# own tools (versioning, replication); this script then saves the database only.
#   DATABASE_URL=postgres://… MYRELAY_DATA_DIR=/var/lib/myrelay scripts/backup.sh DIR
# Restore with scripts/restore.sh DIR (docs: README, "Running in production").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dir="${1:?usage: scripts/backup.sh DIR}"
: "${DATABASE_URL:?DATABASE_URL names the database to back up}"
data_dir="${MYRELAY_DATA_DIR:-.data}"
mkdir -p "$dir"
"$(pg_bin pg_dump)" --format=custom --no-owner --no-privileges \
  --exclude-table-data=live_nodes --exclude-table-data=live_connections --exclude-table-data=live_room_members \
  --file="$dir/database.dump" "$DATABASE_URL"
if [ -z "${MYRELAY_S3_BUCKET:-}" ] && [ -d "$data_dir/files" ]; then
  tar -C "$data_dir" -cf "$dir/files.tar" files
fi
say "Backed up to $dir: $(ls "$dir" | tr '\n' ' ')"

#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into an empty database and data folder (a new
# installation, or one rebuilt after a loss); start the app on them afterwards.
#   DATABASE_URL=postgres://…/new_empty_db MYRELAY_DATA_DIR=/var/lib/myrelay scripts/restore.sh DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dir="${1:?usage: scripts/restore.sh DIR}"
: "${DATABASE_URL:?DATABASE_URL names the empty database to restore into}"
data_dir="${MYRELAY_DATA_DIR:-.data}"
[ -f "$dir/database.dump" ] || { say "No database.dump in $dir"; exit 1; }
"$(pg_bin pg_restore)" --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$dir/database.dump"
if [ -f "$dir/files.tar" ]; then
  mkdir -p "$data_dir"
  tar -C "$data_dir" -xf "$dir/files.tar"
fi
say "Restored $dir"

#!/usr/bin/env bash
# Nightly backup (deploy/systemd/yjxf-backup.timer): the database as a pg_dump custom-format
# archive, and the public and private media synced beside it; archives older than
# BACKUP_KEEP_DAYS are removed. Restore: README › Operations › Restoring.
set -euo pipefail
set -a; . "${YJXF_ENV:-/etc/yjxf/yjxf.env}"; set +a

BACKUP_DIR=${BACKUP_DIR:-/var/backups/yjxf}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BACKUP_DIR/db" "$BACKUP_DIR/media" "$BACKUP_DIR/private-media"

# Custom format: compressed, and pg_restore can restore it in parallel or table by table.
# Written under a temporary name so that a failed dump never looks like a good one.
pg_dump --format=custom --no-owner --file="$BACKUP_DIR/db/yjxf-$stamp.dump.partial" "$DATABASE_URL"
mv "$BACKUP_DIR/db/yjxf-$stamp.dump.partial" "$BACKUP_DIR/db/yjxf-$stamp.dump"

# Files are only ever added (an issued certificate PDF never changes): after the dump, so every
# file the dump refers to is already there. --delete is left out on purpose: a file removed
# by mistake stays in the backup.
rsync -a "$MEDIA_ROOT/" "$BACKUP_DIR/media/"
rsync -a "$PRIVATE_MEDIA_ROOT/" "$BACKUP_DIR/private-media/"

find "$BACKUP_DIR/db" -name 'yjxf-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "backup $stamp: $(du -h "$BACKUP_DIR/db/yjxf-$stamp.dump" | cut -f1)"

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matchmaking.backup import BackupError, create_backup, prune_backups, read_manifest


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump -Fc; SQLite: a consistent file copy) and "
        "the uploaded documents (MEDIA_ROOT) into one timestamped folder with a manifest of "
        "row counts, key checksums, document hashes and versions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "var" / "backups"),
            help="Folder that receives the backup folder (default: var/backups).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help=(
                "After a successful backup, delete all but this many newest backups in the "
                "output folder (default 0: delete nothing)."
            ),
        )

    def handle(self, *args, output: str, keep: int, **options) -> None:
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more.")
        try:
            folder = create_backup(Path(output))
            pruned = prune_backups(Path(output), keep) if keep else []
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = read_manifest(folder)
        tables = manifest["database"]["tables"]
        rows = sum(entry["rows"] for entry in tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {folder}: {len(tables)} tables, {rows} rows, "
                f"{len(manifest['documents'])} documents."
            )
        )
        for path in pruned:
            self.stdout.write(f"Deleted the older backup {path}")

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matchmaking.backup import BackupError, create_backup, read_manifest


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

    def handle(self, *args, output: str, **options) -> None:
        try:
            folder = create_backup(Path(output))
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

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matchmaking.backup import BackupError, describe, read_manifest, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder written by `manage.py backup` into the EMPTY database "
        "(DATABASE_URL) and media folder (MEDIA_ROOT), then verify every table's row count "
        "and key checksum and every document's hash against its manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", help="The backup folder (jembatan-backup-<time>).")
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Restore even though the database or media folder is not empty: the "
                "backup's tables are dropped and recreated and the media folder's files "
                "deleted first."
            ),
        )

    def handle(self, *args, backup: str, force: bool, **options) -> None:
        try:
            verification = restore_backup(Path(backup), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if not verification.ok:
            for difference in verification.differences:
                self.stderr.write(difference)
            raise CommandError(
                f"Restored, but {len(verification.differences)} differences from the "
                "manifest (listed above): do not put this copy into service."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and verified against the manifest: {describe(verification)}."
            )
        )
        manifest = read_manifest(Path(backup))
        versions = ", ".join(f"{name} {value}" for name, value in manifest["versions"].items())
        self.stdout.write(
            f"The backup was taken at {manifest['created_at']} ({versions}). If this code "
            "is a newer release, run `manage.py migrate` before starting the site."
        )

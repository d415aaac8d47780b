from django.core.management.base import BaseCommand

from components.reference import load_reference


class Command(BaseCommand):
    help = (
        "Load provinces, regencies, KBLI 2020 codes and the base catalogue from "
        "components/data/. Safe to rerun: rows are upserted by code."
    )

    def handle(self, *args, **options) -> None:
        counts = load_reference()
        width = max(len(name) for name in counts)
        for name, count in counts.items():
            self.stdout.write(f"{name.replace('_', ' '):<{width}}  {count:>5}")
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))

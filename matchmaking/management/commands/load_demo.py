from django.core.management.base import BaseCommand

from matchmaking.choices import ScoringRunStatus
from matchmaking.demo import data
from matchmaking.demo.loader import load_demo
from matchmaking.demo.partnerships import load_demo_partnerships
from matchmaking.engine.runs import full_rescore_in_process


class Command(BaseCommand):
    help = (
        "Load the reference data and the demo scenario: IKM of Ceper, Tegal, Jepara and "
        "Cirebon, manufacturers with plants, open demands and demo logins; then start a full "
        "rescore. Safe to rerun; demo passwords are reset."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-scoring",
            action="store_false",
            dest="scoring",
            help="Only load the data; do not start a full rescore.",
        )

    def handle(self, *args, scoring: bool, **options) -> None:
        counts = load_demo()
        width = max(len(name) for name in counts)
        for name, count in counts.items():
            self.stdout.write(f"{name.replace('_', ' '):<{width}}  {count:>4}")
        if scoring:
            # Scored here rather than by a worker: the demo partnerships approve top
            # matches, so they need the scores now, broker or not.
            run = full_rescore_in_process(reason="Demo scenario loaded")
            self.stdout.write(f"Full rescore #{run.pk}: {run.get_status_display()}")
            if run.status == ScoringRunStatus.DONE:
                partnerships = load_demo_partnerships()
                self.stdout.write(f"{'partnerships':<{width}}  {partnerships:>4}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo scenario loaded. Logins (password {data.PASSWORD}):")
        )
        for user in data.USERS:
            self.stdout.write(f"  {user['username']:<13} {user['role']}")

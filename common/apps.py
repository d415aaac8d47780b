from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Installed so that its templates and translations are found like any app's; its
    only tables are the outbox of task calls and e-mails (``common.outbox``)."""

    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (
            auth_events,  # noqa: F401  (logs authentication events)
            notices,  # noqa: F401  (registers partners' notification kinds)
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = _("Matchmaking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from partners import events

        from . import roles

        post_migrate.connect(
            roles.ensure_roles_after_migrate, sender=self, dispatch_uid="jembatan-roles"
        )

        from .engine import scheduling

        events.supplier_changed.connect(scheduling.on_supplier_changed)
        events.demand_changed.connect(scheduling.on_demand_changed)
        from .partnerships import (
            announcements,
            notices,  # noqa: F401  (registers the matching notification kinds)
        )

        events.demand_specification_changed.connect(announcements.on_demand_specification_changed)
        from django.contrib.auth.signals import user_logged_in

        from . import privacy  # noqa: F401  (registers its export section and anonymiser)
        from .security import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="jembatan-staff-login")

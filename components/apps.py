from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComponentsConfig(AppConfig):
    name = "components"
    verbose_name = _("Catalogue")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Installed so that its templates and translations are found like any app's; it has
    no models of its own (only abstract bases)."""

    name = "common"
    verbose_name = "Common"

"""Introductions inbox for IKM owners and manufacturer members (namespace ``inbox``)."""

from .views.introductions import urlpatterns

app_name = "inbox"

__all__ = ["app_name", "urlpatterns"]

"""Self-service pages (namespace ``partners``); staff pages of this app are included in
the workspace (matchmaking/workspace/urls.py)."""

from django.urls import include, path

from .views import (
    accounts,
    company,
    documents,
    ikm_lookups,
    my_ikm,
    notifications,
    privacy,
    registration,
    two_factor,
)

app_name = "partners"

urlpatterns = [
    path("accounts/", include(accounts.urlpatterns)),
    path("accounts/two-factor/", include(two_factor.urlpatterns)),
    path("ikm/", include(my_ikm.urlpatterns)),
    path("ikm/", include(registration.urlpatterns)),
    path("ikm/", include(ikm_lookups.urlpatterns)),
    path("company/", include(company.urlpatterns)),
    path("documents/", include(documents.urlpatterns)),
    path("notifications/", include(notifications.urlpatterns)),
    path("privacy/", include(privacy.urlpatterns)),
]

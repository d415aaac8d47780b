"""Staff pages over partners' data, included in the workspace under /staff/."""

from django.urls import include, path

from .views import privacy, verification

urlpatterns = [
    path("verification/", include(verification.urlpatterns)),
    path("privacy-requests/", include(privacy.staff_urlpatterns)),
]

"""The ministry staff workspace under /staff/ (namespace ``workspace``): each area's view
module declares its own ``urlpatterns``."""

from django.urls import include, path

from .views import (
    coaching,
    dashboard,
    demands,
    directory,
    partnership,
    pipeline,
    rescoring,
    review,
)

app_name = "workspace"

urlpatterns = [
    path("", include(dashboard.urlpatterns)),
    path("demands/", include(demands.urlpatterns)),
    path("review/", include(review.urlpatterns)),
    path("partnerships/", include(pipeline.urlpatterns)),
    path("partnerships/", include(partnership.urlpatterns)),
    path("suppliers/", include(directory.urlpatterns)),
    path("coaching/", include(coaching.urlpatterns)),
    path("rescoring/", include(rescoring.urlpatterns)),
    path("", include("partners.staff_urls")),
]

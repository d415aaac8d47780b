"""API routes: each resource module lists its ``routes`` for the router. The API is for
ministry staff; the browsable root listing the endpoints is staff-only too."""

from rest_framework.permissions import IsAdminUser
from rest_framework.routers import APIRootView, DefaultRouter

from . import matches, partnerships, suppliers


class StaffAPIRootView(APIRootView):
    permission_classes = [IsAdminUser]


class StaffRouter(DefaultRouter):
    APIRootView = StaffAPIRootView


router = StaffRouter()
for module in (suppliers, matches, partnerships):
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls

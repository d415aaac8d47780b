"""API routes: each resource module lists its ``routes`` for the router."""

from rest_framework.routers import DefaultRouter

from . import matches, partnerships, suppliers

router = DefaultRouter()
for module in (suppliers, matches, partnerships):
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls

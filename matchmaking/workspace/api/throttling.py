"""The API's throttles: DRF's anonymous (by client address) and per-user rates, counted in
the shared cache (``CACHES``, Redis when ``CACHE_URL`` is set), so every worker counts the
same requests. Should the cache be unreachable, a request is let through and the failure
logged: an outage of the counter must not turn every API call into an error."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _FailOpen(SimpleRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's connection errors have no common base
            logger.warning("API throttle: cache unreachable, request let through", exc_info=True)
            return True


class AnonThrottle(_FailOpen, AnonRateThrottle):
    pass


class UserThrottle(_FailOpen, UserRateThrottle):
    pass

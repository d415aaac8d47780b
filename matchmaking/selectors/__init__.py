"""Read-side queries of the matchmaking app, one module per area; they own the
``select_related``/``prefetch_related`` their pages need."""

from .home import HeadlineCounts, headline_counts

__all__ = ["HeadlineCounts", "headline_counts"]

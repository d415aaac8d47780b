"""REST API (Django REST Framework) under /api/v1/: the workspace's lists, filtered by the
same FilterSets as the pages."""

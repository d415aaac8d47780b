"""Read-side queries of the workspace, one module per area; they own the
``select_related``/``prefetch_related`` their pages need."""

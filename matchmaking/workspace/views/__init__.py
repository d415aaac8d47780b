"""HTML pages: the public home page and the ministry staff workspace, one module per area
(dashboard, demands and review, partnership pipeline, supplier directory, coaching,
rescoring). Views stay thin: a FilterSet or form validates, a selector or service works."""

"""Self-service pages for IKM owners and manufacturer representatives (accounts,
registration, company and demands, documents, notifications, privacy) and the staff pages
that only touch partners' data (verification queue). One module per area, each declaring
its own ``urlpatterns``."""

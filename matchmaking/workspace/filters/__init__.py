"""One django-filter FilterSet per list, shared by the HTML page and the REST API."""

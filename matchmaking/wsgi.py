"""
WSGI config for matchmaking project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
# Pages get the web process's short database statement timeout (settings.py).
os.environ.setdefault("JEMBATAN_PROCESS", "web")

application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve with a configuration that leaks (such
# as the console e-mail backend in production, common.E001).
from django.core.management import call_command  # noqa: E402

call_command("check", tags=["jembatan"], fail_level="ERROR", verbosity=0)

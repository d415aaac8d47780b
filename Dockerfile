# Jembatan web, worker and beat image. Build: docker compose build
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The PostgreSQL client (pg_dump, pg_restore) for `python manage.py backup` / `restore`
# (docs/operations.md, Backups). Debian's client is at least the server's major version
# (postgres:15 in docker-compose.yml); pg_dump refuses a server newer than itself.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them. Hashes make the build
# reproducible and refuse tampered downloads.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

RUN useradd --create-home --uid 1000 jembatan
COPY --chown=jembatan:jembatan . .

# collectstatic only reads settings; this throwaway key never serves a request.
RUN JEMBATAN_ENV=production SECRET_KEY=collectstatic-only-not-a-secret \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /var/lib/jembatan \
    && chown -R jembatan:jembatan /app/var /var/lib/jembatan

USER jembatan
EXPOSE 8000
CMD ["gunicorn", "matchmaking.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

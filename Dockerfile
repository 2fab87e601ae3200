# Terrain in a container. The install steps are the README's (scripts/start):
#   python3 -m venv .venv && .venv/bin/pip install -e .
# so the path the tests exercise is the path that ships. `terrain serve` migrates the
# database at start (under a PostgreSQL advisory lock when several instances start).

# --- build: a virtualenv with Terrain and its pinned dependencies ---------------------
FROM python:3.11-slim-bookworm AS build
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY sync ./sync
COPY i18n ./i18n
COPY pwa ./pwa
RUN python3 -m venv .venv && .venv/bin/pip install --no-cache-dir -e .

# --- runtime: the same venv, a non-root user, no build leftovers ---------------------
FROM python:3.11-slim-bookworm
# pg_dump/pg_restore for `terrain backup` and `terrain restore` on PostgreSQL 15.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin terrain \
    && mkdir -p /data \
    && chown terrain /data
COPY --from=build --chown=root:root /app /app
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TERRAIN_DATA_DIR=/data
USER terrain
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["terrain", "serve", "--host", "0.0.0.0", "--port", "8000"]

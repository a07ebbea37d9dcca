# Cocreate: one process serving Discord and/or Slack, with /healthz and /metrics on HTTP_PORT.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080

RUN groupadd --system --gid 10001 cocreate \
    && useradd --system --uid 10001 --gid cocreate --home-dir /app --no-create-home cocreate

WORKDIR /app

COPY pyproject.toml README.md LICENSE ./
COPY bot/ ./bot/
COPY adapters/ ./adapters/
COPY storage/ ./storage/
COPY config/ ./config/

# Non-editable: the image runs the installed package, not the copied tree, so a packaging
# mistake (a missing migration file, a package left out) fails here, not in production.
# Versions come from pyproject.toml's ranges; pinning each dependency here would duplicate them.
# The build's leftovers are removed; the data directory is the only place the app may write.
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info \
    && mkdir -p /app/data \
    && chown cocreate:cocreate /app/data

# Numeric, so runtimes enforcing runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001

# The SQLite database (DATABASE_URL defaults to sqlite:///data/cocreate.sqlite3, relative to /app).
VOLUME ["/app/data"]

EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["cocreate", "healthcheck"]

CMD ["cocreate", "run"]

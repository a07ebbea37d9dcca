# Cocreate: one process serving Discord and/or Slack. HTTP_PORT (8080) is the public side (board,
# dashboard, /slack/events, /healthz); OPS_PORT (8081) is for the operator (/metrics and the
# detailed /healthz): reachable on the container network, never EXPOSEd, so publish only 8080.
# The base image is pinned by exact tag, so a rebuild gets the same Python; bump it on purpose.
FROM python:3.11.14-slim-bookworm

# The app lives in its own venv, /opt/venv, filled from uv.lock; PATH puts its `cocreate` first.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=8081

RUN groupadd --system --gid 10001 cocreate \
    && useradd --system --uid 10001 --gid cocreate --home-dir /app --no-create-home cocreate

WORKDIR /app

COPY pyproject.toml uv.lock README.md LICENSE ./
COPY bot/ ./bot/
COPY adapters/ ./adapters/
COPY storage/ ./storage/
COPY config/ ./config/

# Exactly the versions uv.lock pins (--frozen: never re-resolved), checked against its hashes;
# uv itself at the version the lock pins (tests/unit/test_build_pins.py keeps the two equal),
# used for this step only. Non-editable: the image runs the installed package, not the copied
# tree, so a packaging mistake (a missing migration file, a package left out) fails here, not in
# production. The build's leftovers are removed; the data directory is the only place the app
# may write.
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv sync --frozen --no-editable --no-cache --python /usr/local/bin/python3 \
    && pip uninstall --yes uv \
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

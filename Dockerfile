# syntax=docker/dockerfile:1
# Build: docker build -t parley .   Run: docker run -p 8080:8080 -v parley-data:/app/var parley

FROM python:3.11-slim AS build
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.11
# GraphiQL's browser assets, pinned by integrity hash (the page then needs no CDN).
COPY scripts/fetch_graphiql.py scripts/
RUN python scripts/fetch_graphiql.py /app/static/vendor/graphiql --strict

FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 parley \
 && useradd --system --uid 10001 --gid parley --home-dir /app --shell /usr/sbin/nologin parley
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/app/var \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/static /app/static
COPY asgi.py http_protocol.py ./
COPY data ./data
COPY resolvers ./resolvers
COPY schema ./schema
COPY compat_rest ./compat_rest
COPY migrations ./migrations
RUN mkdir -p /app/var && chown parley:parley /app/var
USER parley
VOLUME ["/app/var"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8080'), timeout=2)"]
# asgi.py migrates, checks the broker, then serves (UVICORN_WORKERS sets the worker count).
CMD ["python", "asgi.py"]

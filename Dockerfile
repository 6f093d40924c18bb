FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config config
COPY common common
COPY actors actors
COPY sources sources
COPY transfers transfers
COPY editorial editorial
RUN pip install --no-cache-dir .

# Only what runs: no .env, .venv, database file or .git (see .dockerignore too).
COPY manage.py ./
COPY docker docker
COPY fixtures fixtures
RUN useradd --system --home /app app && chown -R app /app
USER app

EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]

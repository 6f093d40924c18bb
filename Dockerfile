FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config config
COPY common common
COPY actors actors
COPY sources sources
COPY transfers transfers
RUN pip install --no-cache-dir .

COPY . .
RUN useradd --system --home /app app && chown -R app /app
USER app

EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]

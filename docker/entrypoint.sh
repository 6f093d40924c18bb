#!/bin/sh
# Start-up path of the web container (and of any gunicorn deployment):
# wait for the database, migrate, collect static files (served by WhiteNoise), optionally load the seed,
# then serve.
set -eu
cd "$(dirname "$0")/.."

tries=0
until python manage.py migrate --noinput; do
    tries=$((tries + 1))
    if [ "$tries" -ge "${DB_WAIT_TRIES:-30}" ]; then
        echo "entrypoint: the database did not become ready; giving up." >&2
        exit 1
    fi
    echo "entrypoint: database not ready, retrying in 2 s ($tries)" >&2
    sleep 2
done
python manage.py collectstatic --noinput --verbosity 0
if [ "${LOAD_SEED:-0}" = "1" ]; then
    # Loads fixtures/seed.json into an empty database; leaves one with data alone.
    python manage.py load_seed
fi

# docker/gunicorn.conf.py: threaded workers, so long downloads stream to the end.
exec gunicorn config.wsgi:application \
    --config docker/gunicorn.conf.py \
    --bind "${BIND:-0.0.0.0:8000}" \
    --workers "${WEB_CONCURRENCY:-3}" \
    --access-logfile - \
    "$@"

"""gunicorn settings for every deployment (docker/entrypoint.sh) and for every
server the project starts itself (bench/harness.py: the fuzz run, the
entry-point smoke test, the load test and the benchmark's HTTP exports).

Threaded workers (gthread), not sync ones. A sync worker tells the arbiter
it is alive only between requests, so a streamed export that took longer
than `timeout` was killed mid-body (the client had a 200 and a truncated
file), and while it ran its worker answered nothing else (two JSON Lines
downloads made a trivial GET wait 32 s). A gthread worker's main loop tells
the arbiter it is alive every second whatever its threads are doing, so a
download lasts as long as it needs, and the worker's other threads go on
answering. `timeout` still catches a worker that is truly stuck.
"""

import os

worker_class = "gthread"
#: Requests one worker serves at once; each holds its own database connection.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

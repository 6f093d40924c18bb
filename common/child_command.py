"""A management command's standard output, streamed from a child process
that runs at a lower CPU priority than the web workers.

Why: a full export at a million transfers keeps a core busy for minutes
rendering records. Run in a web worker's thread, two of them at once took a
2-core server's CPU from the other clients (their list requests' p95 went to
2.8 times an idle server's) and held the worker's GIL against its other
threads. In a child process with a raised nice value the kernel gives the
web workers the CPU first and the export what is left, and the worker's
thread only relays bytes.

The child is the same `manage.py` command a shell would run, with the web
worker's environment (so the same settings and database), and it writes the
same bytes. A child that fails makes the relay raise, so the server aborts
the response rather than end a truncated body as if it were whole; a client
that goes away makes the relay kill the child.
"""

import logging
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"
#: coreutils' nice(1), in every Debian image (the Dockerfile's included).
NICE = shutil.which("nice") or "/usr/bin/nice"
#: How much of the child's output is relayed at a time.
CHUNK_BYTES = 1 << 16
#: How much of a failed child's standard error goes into the log.
STDERR_TAIL_BYTES = 4000


class ChildCommandsBusy(Exception):
    """Every child-process slot of this web worker is in use."""


class ChildCommandFailed(Exception):
    """The child exited with an error (its response's headers are already sent)."""


_slots_lock = threading.Lock()
#: Per limit (the setting, which tests change): the worker's free slots.
_slots: dict[int, threading.BoundedSemaphore] = {}


def _slots_for(limit: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        if limit not in _slots:
            _slots[limit] = threading.BoundedSemaphore(limit)
        return _slots[limit]


def stream_command(*args: str) -> "ChildOutput":
    """Start `nice -n N manage.py <args>` in a child process and return its
    standard output as an iterable of bytes, to be closed when done.

    nice(1), not os.nice() in the child, so that it is niced from its first
    instruction: setting Django up is a second of CPU. Raises
    ChildCommandsBusy at once, before starting anything, when this worker
    already runs CHILD_COMMANDS_PER_WORKER children."""
    slots = _slots_for(settings.CHILD_COMMANDS_PER_WORKER)
    if not slots.acquire(blocking=False):
        raise ChildCommandsBusy
    try:
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - ChildOutput.close() closes it
        process = subprocess.Popen(
            [
                NICE,
                "-n",
                str(settings.CHILD_COMMAND_NICENESS),
                sys.executable,
                str(MANAGE_PY),
                *args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )  # the worker's own environment: the same settings and database
    except BaseException:
        slots.release()
        raise
    return ChildOutput(process, stderr, slots, args)


class ChildOutput:
    """A running child's standard output. `close()` (which Django calls on a
    streamed response whether or not it was read) stops the child if it still
    runs and frees its slot, once."""

    def __init__(self, process, stderr, slots, args):
        self.process, self.stderr, self.slots, self.args = process, stderr, slots, args
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.process.stdout.read1(CHUNK_BYTES):
            yield chunk
        if self.process.wait() != 0:
            self.stderr.seek(0, 2)
            self.stderr.seek(max(0, self.stderr.tell() - STDERR_TAIL_BYTES))
            tail = self.stderr.read().decode(errors="replace")
            code = self.process.returncode
            logger.error("manage.py %s exited with %s:\n%s", " ".join(self.args), code, tail)
            raise ChildCommandFailed(f"manage.py {self.args[0]} exited with {code}")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if self.process.poll() is None:  # the client went away mid-download
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.stderr.close()
        finally:
            self.slots.release()

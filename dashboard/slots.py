"""Slots bounding how many heavy jobs (the Add a text page's preview builds) run at once on one machine, whichever
process runs them: a server's request thread, a job forked from it (diskcache) or a Celery worker.

Belongs here: JobSlots, an flock per slot in one folder. No dash, no module state.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


class JobSlots:
    """At most `n` holders at once over every process of one machine that uses `folder` (an flock per slot; a lock
    dies with its process, so a killed job frees its slot)."""

    def __init__(self, folder: Path, n: int = 1):
        self.folder, self.n = Path(folder), max(1, int(n))

    @contextmanager
    def slot(self, wait_s: float = 0.0, poll_s: float = 0.2, waiting: Callable[[], None] | None = None
             ) -> Iterator[bool]:
        """Yields True holding a slot, or False when none came free within `wait_s` (`waiting` is called once
        when the holder has to wait)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        deadline, told = time.monotonic() + wait_s, False
        while True:
            for i in range(self.n):
                fd = os.open(self.folder / f"slot-{i}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                try:
                    yield True
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
                return
            if time.monotonic() >= deadline:
                yield False
                return
            if waiting is not None and not told:
                waiting()
                told = True
            time.sleep(poll_s)

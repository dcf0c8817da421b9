"""Server work that can take over a second runs off the request threads: Dash background callbacks.

By default Dash's DiskcacheManager: each job runs in a process of its own, forked from the server process that got
the request, and leaves its result in a diskcache folder (CACHE_DIR/background) that every server process of the
machine reads, so a page's next poll may reach any gunicorn worker. With REDIS_URL set (redis://host:port/db),
Celery with Redis as broker and result store (CeleryManager): the jobs run in Celery workers, on this machine or
others that reach the Redis (`celery -A dashboard.worker worker`, see the README), and any web worker reads their
results. The request thread only starts a job and answers the page's polls.

Belongs here: the manager made from the environment (make_manager), its per-app registry of jobs (Dash's own
registers every background callback in every manager of the process: two apps in one process — the tests — would
run each other's functions) and a key of its own per job. Does not belong here: what the jobs do
(dashboard.adding), the slots that bound how many heavy jobs run at once on a machine (dashboard.slots), the
callbacks (dashboard.add_app).
No module state: a manager is made per app (create_app keeps it in app.server.extensions["background"]).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable

from dash import CeleryManager, DiskcacheManager
from dash.background_callback.managers import BaseBackgroundCallbackManager

# The environment variable naming the Redis of a deployment on several machines; unset: the diskcache manager.
REDIS_ENV = "REDIS_URL"
# The diskcache folder's size (bytes) beyond which the oldest entries go: results nobody polled for (a page closed
# while its job ran) would otherwise stay.
DISKCACHE_SIZE_LIMIT = 256 * 1024 * 1024
# A result not read within this many seconds is dropped (Celery's result store; s).
RESULT_EXPIRES_S = 15 * 60


class _OwnJobs:
    """A manager that keeps only the jobs adopted for it (see the module's docstring)."""

    def _init_own(self) -> None:
        self._own: set = set()

    def adopt(self, fn: Callable) -> Callable:
        """Mark `fn` as this manager's before it is declared a background callback (`app.callback` registers it)."""
        self._own.add(fn)
        return fn

    def register(self, key, fn, progress):
        if fn in self._own:
            super().register(key, fn, progress)

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        """A key of its own for every job: Dash's is the arguments' hash, so two jobs with the same arguments (two
        users previewing the same text, or a result left by a page closed while its job ran) would read each
        other's result, and the second find none once the first has taken it."""
        key = super().build_cache_key(fn, args, cache_args_to_ignore, triggered)
        return key if self.cache_by is not None else f"{key}-{secrets.token_hex(8)}"


class OwnDiskcacheManager(_OwnJobs, DiskcacheManager):
    def __init__(self, cache, expire=None):
        # DiskcacheManager's own __init__ imports psutil and multiprocess only to check they are there (60 ms of
        # every server's start); its methods import them when a job starts or ends
        self._init_own()
        self.handle, self.expire = cache, expire
        BaseBackgroundCallbackManager.__init__(self, None)


class OwnCeleryManager(_OwnJobs, CeleryManager):
    def __init__(self, celery_app, **kwargs):
        self._init_own()
        super().__init__(celery_app, **kwargs)


def celery_app_for(redis_url: str, name: str = "dashboard"):
    """A Celery app with `redis_url` as broker and result store."""
    from celery import Celery

    app = Celery(name, broker=redis_url, backend=redis_url)
    app.conf.update(result_expires=RESULT_EXPIRES_S, broker_connection_retry_on_startup=True,
                    task_acks_late=False, worker_prefetch_multiplier=1, task_serializer="json",
                    result_serializer="json", accept_content=["json"])
    return app


def make_manager(folder: Path, environ=None):
    """The background callback manager: Celery with Redis when the environment has REDIS_URL, else diskcache in
    `folder`. A REDIS_URL that is not a redis:// or rediss:// URL is refused with a message (ValueError)."""
    environ = os.environ if environ is None else environ
    url = (environ.get(REDIS_ENV) or "").strip()
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"{REDIS_ENV} must be a redis://, rediss:// or unix:// URL, not {url[:60]!r}")
        return OwnCeleryManager(celery_app_for(url))
    import diskcache

    Path(folder).mkdir(parents=True, exist_ok=True)
    return OwnDiskcacheManager(diskcache.Cache(str(folder), size_limit=DISKCACHE_SIZE_LIMIT))


def manager_kind(manager) -> str:
    return "celery" if isinstance(manager, CeleryManager) else "diskcache"

"""The Celery worker of a deployment with REDIS_URL set: `celery -A dashboard.worker worker`.

It makes the app as a web worker does (the corpus, the callbacks), so that the background callbacks' jobs are
registered under the same names on its Celery app, and runs them (dashboard.background). Without REDIS_URL it
refuses to start: the jobs then run in processes of the web server's own (diskcache) and need no worker.
"""

from __future__ import annotations

import os

from dashboard.background import REDIS_ENV, manager_kind

if not (os.environ.get(REDIS_ENV) or "").strip():
    raise SystemExit(f"dashboard.worker: set {REDIS_ENV} (redis://host:port/db) to run background jobs in Celery; "
                     "without it the server runs them itself")

from dashboard.app import create_app  # noqa: E402  (after the check: no corpus built for nothing)

_app = create_app()
_manager = _app.server.extensions["background"]
if manager_kind(_manager) != "celery":
    raise SystemExit("dashboard.worker: the app made no Celery manager")
celery = app = _manager.handle

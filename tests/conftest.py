"""Shared fixtures: the real frames (built once per session, in a temporary cache) and a tiny data folder to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import paths
from dashboard.context import make_context
from dashboard.frames import bundle_from_frames
from dashboard.pipeline.build import cached_frames
from helpers import MINI_ACTORS, MINI_EVENTS, MINI_MOVEMENTS, MINI_PLACES


@pytest.fixture(scope="session")
def frames(tmp_path_factory):
    return cached_frames(paths.DATA_DIR, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def bundle(frames):
    return bundle_from_frames(frames)


@pytest.fixture(scope="session")
def app_ctx(bundle):
    return make_context(bundle)


@pytest.fixture
def mini_data(tmp_path) -> Path:
    """A valid, tiny data folder (the real texts, a handful of records) that tests may break."""
    d = tmp_path / "data"
    (d / "texts").mkdir(parents=True)
    for name in ("stalinism.txt", "anti_stalinist_left.txt"):
        shutil.copy(paths.DATA_DIR / "texts" / name, d / "texts" / name)
    shutil.copy(paths.DATA_DIR / "documents.yaml", d / "documents.yaml")
    (d / "movements.yaml").write_text(MINI_MOVEMENTS, encoding="utf-8")
    asl = d / "anti_stalinist_left"
    asl.mkdir()
    (asl / "actors.yaml").write_text(MINI_ACTORS, encoding="utf-8")
    (asl / "places.yaml").write_text(MINI_PLACES, encoding="utf-8")
    (asl / "events.yaml").write_text(MINI_EVENTS, encoding="utf-8")
    return d


@pytest.fixture(scope="session")
def app(bundle):
    from dashboard.app import create_app

    return create_app(bundle)


@pytest.fixture(scope="session")
def client(app):
    return app.server.test_client()

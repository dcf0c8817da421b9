"""Shared fixtures: the real frames (built once per session, in a temporary cache) and a tiny data folder to break."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from dashboard import paths
from dashboard.context import make_context
from dashboard.frames import bundle_from_frames
from dashboard.pipeline.build import cached_frames


@pytest.fixture(scope="session")
def frames(tmp_path_factory):
    return cached_frames(paths.DATA_DIR, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def bundle(frames):
    return bundle_from_frames(frames)


@pytest.fixture(scope="session")
def app_ctx(bundle):
    return make_context(bundle)


MINI_MOVEMENTS = """\
- movement_id: trotskyism
  name: Trotskyism
  color: "#0072B2"
  doc_id: anti_stalinist_left
  quote: This term also refers to those that opposed Joseph Stalin
"""
MINI_ACTORS = """\
- actor_id: trotsky
  name: Leon Trotsky
  actor_type: person
  movement_ids: [trotskyism]
  aliases: [Trotsky]
  quote: such as Leon Trotsky and the party's Left Opposition
- actor_id: stalin
  name: Joseph Stalin
  actor_type: person
  aliases: [Stalin]
  quote: The anti-Stalinist left encompasses various kinds of left-wing political movements that oppose Joseph Stalin
"""
MINI_PLACES = """\
- place_id: pl_kronstadt
  name: Kronstadt
  place_type: uprising
  lat: 59.99
  lon: 29.77
  precision: city
  coords_source: outside the texts (test)
  quote: The Kronstadt rebellion (March 1921) was a key moment
"""
MINI_EVENTS = """\
- event_id: ev_kronstadt
  title: Kronstadt rebellion
  event_type: uprising
  year_start: 1921
  place_id: pl_kronstadt
  actor_ids: [trotsky]
  movement_ids: [trotskyism]
  quote: The Kronstadt rebellion (March 1921) was a key moment
"""


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


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")

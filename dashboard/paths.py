"""Where the project's files live. Paths only: nothing here reads or writes."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DASHBOARD_DATA_DIR", REPO / "data"))
TEXTS_DIR = DATA_DIR / "texts"
ASSETS_DIR = REPO / "assets"
TOPOJSON_DIR = ASSETS_DIR / "topojson"
# Built frames are cached here (git-ignored), keyed by a hash of the texts, the data files and the build code.
CACHE_DIR = Path(os.environ.get("DASHBOARD_CACHE_DIR", REPO / ".cache"))

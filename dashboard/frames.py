"""The app's one door to the data: load the built frames once, hand them out read-only.

Belongs here: the immutable Bundle and load_bundle(). Views and callbacks import this module and
dashboard.schema, never the pipeline's internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard.pipeline.build import cached_frames
from dashboard.schema import FRAME_NAMES, PRIMARY_KEY, SELECTABLE


@dataclass(frozen=True, eq=False)
class Bundle:
    """Every frame, read-only: each attribute returns a copy-on-write view, so a caller's edits stay its own."""

    _frames: MappingProxyType

    def __getattr__(self, name: str) -> pd.DataFrame:
        frames = object.__getattribute__(self, "_frames")
        if name in frames:
            return frames[name].copy(deep=False)
        raise AttributeError(name)

    def frame(self, name: str) -> pd.DataFrame:
        return self.__getattr__(name)

    @cached_property
    def _memo(self) -> dict:
        return {}

    def memo(self, key, make):
        """What `make()` returns, made once per bundle under `key`: data derived from the frames alone (no selection),
        kept with the bundle and gone with it (a module-level cache keyed by bundles would keep every bundle it saw,
        the Add a text page's previews among them). Callers treat it as read-only."""
        try:
            return self._memo[key]
        except KeyError:
            out = self._memo[key] = make()
            return out

    def array(self, name: str, column: str) -> np.ndarray:
        """One column of a frame as a read-only numpy array, made once per bundle: for code that reads a column on
        every request, where a frame's copy-on-write view costs more than the reading. Numbers come as float64 (NaN
        where missing), flags as bool, anything else as objects."""
        def make() -> np.ndarray:
            col = object.__getattribute__(self, "_frames")[name][column]
            if pd.api.types.is_bool_dtype(col):
                out = col.to_numpy(dtype=bool, copy=True)
            elif pd.api.types.is_numeric_dtype(col):
                out = col.to_numpy(dtype=float, na_value=np.nan, copy=True)
            else:
                out = col.to_numpy(dtype=object, copy=True)
            out.setflags(write=False)
            return out
        return self.memo(("array", name, column), make)

    @cached_property
    def _row_of(self) -> MappingProxyType:
        """Record id → (frame name, row position), for every selectable record."""
        out = {}
        for name in SELECTABLE:
            for i, rid in enumerate(self._frames[name][PRIMARY_KEY[name]]):
                out[rid] = (name, i)
        return MappingProxyType(out)

    @cached_property
    def kind_of(self) -> MappingProxyType:
        """Record id → frame name, for every selectable record."""
        return MappingProxyType({rid: kind for rid, (kind, _) in self._row_of.items()})

    @cached_property
    def index(self):
        """The precomputed arrays the filters use (dashboard.index), built on first use and then read-only."""
        from dashboard.index import build_index

        return build_index(self)

    def record(self, record_id: str) -> tuple[str, dict] | None:
        """(frame name, row as a dict) for a selectable record id; None if unknown."""
        found = self._row_of.get(record_id)
        if found is None:
            return None
        kind, i = found
        return kind, self._frames[kind].iloc[i].to_dict()


def bundle_from_frames(frames: dict[str, pd.DataFrame]) -> Bundle:
    missing = set(FRAME_NAMES) - set(frames)
    if missing:
        raise ValueError(f"frames missing: {sorted(missing)}")
    return Bundle(MappingProxyType(dict(frames)))


@lru_cache(maxsize=4)
def load_bundle(data_dir: Path | None = None, cache_dir: Path | None = None) -> Bundle:
    """Build (or read from the cache) and return the frames. Called once per process."""
    return bundle_from_frames(cached_frames(data_dir, cache_dir))

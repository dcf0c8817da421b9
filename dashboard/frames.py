"""The app's one door to the data: load the built frames once, hand them out read-only.

Belongs here: the immutable Bundle and load_bundle(). Views and callbacks import this module and
dashboard.schema, never the pipeline's internals.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    def _positions(self) -> MappingProxyType:
        """Record id → its position in the selectable frames taken one after the other (SELECTABLE's order), for
        every selectable record: one small int per id (at the benchmark's 1000× scale, 800,000 ids: a dict of
        (frame, row) pairs beside one of frame names took twice the memory)."""
        out, offset = {}, 0
        for name in SELECTABLE:
            ids = self._frames[name][PRIMARY_KEY[name]]
            out.update(zip(ids, range(offset, offset + len(ids))))
            offset += len(ids)
        return MappingProxyType(out)

    @cached_property
    def _offsets(self) -> np.ndarray:
        """Where each SELECTABLE frame starts among the positions of _positions."""
        return np.cumsum([0] + [len(self._frames[name]) for name in SELECTABLE])

    def row_of(self, record_id) -> tuple[str, int] | None:
        """(frame name, row position) of a selectable record id; None if unknown."""
        at = self._positions.get(record_id)
        if at is None:
            return None
        k = int(np.searchsorted(self._offsets, at, side="right")) - 1
        return SELECTABLE[k], at - int(self._offsets[k])

    @cached_property
    def kind_of(self) -> "RecordKinds":
        """Record id → frame name, for every selectable record (a read-only mapping)."""
        return RecordKinds(self)

    @cached_property
    def index(self):
        """The precomputed arrays the filters use (dashboard.index), built on first use and then read-only."""
        from dashboard.index import build_index

        return build_index(self)

    def record(self, record_id: str) -> tuple[str, dict] | None:
        """(frame name, row as a dict) for a selectable record id; None if unknown."""
        found = self.row_of(record_id)
        if found is None:
            return None
        kind, i = found
        return kind, self._frames[kind].iloc[i].to_dict()


class RecordKinds(Mapping):
    """Record id → frame name, read from the bundle's positions (no dict of its own)."""

    def __init__(self, bundle: Bundle):
        self._bundle = bundle

    def __getitem__(self, record_id) -> str:
        found = self._bundle.row_of(record_id)
        if found is None:
            raise KeyError(record_id)
        return found[0]

    def __contains__(self, record_id) -> bool:
        return record_id in self._bundle._positions

    def __iter__(self):
        return iter(self._bundle._positions)

    def __len__(self) -> int:
        return len(self._bundle._positions)


def bundle_from_frames(frames: dict[str, pd.DataFrame]) -> Bundle:
    missing = set(FRAME_NAMES) - set(frames)
    if missing:
        raise ValueError(f"frames missing: {sorted(missing)}")
    return Bundle(MappingProxyType(dict(frames)))


@lru_cache(maxsize=4)
def load_bundle(data_dir: Path | None = None, cache_dir: Path | None = None) -> Bundle:
    """Build (or read from the cache) and return the frames. Called once per process."""
    return bundle_from_frames(cached_frames(data_dir, cache_dir))

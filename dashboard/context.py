"""Everything the callbacks need, computed once per process from the frames and then read-only.

AppContext holds the bundle and what every request would otherwise recompute (the vocabulary of valid ids, the
filter index, network positions, each view's selection-independent parts). render(ctx, selection) turns a Selection
into what the views show; the side panels (source, network legend, table) have one function each here. What
several of them need for one selection — what the filters show, the related records — is computed once per process
and selection (ctx.shown_for, ctx.related_for: small bounded memos of pure functions), so a change that several
callbacks answer is filtered once.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import tempfile
from dataclasses import dataclass, replace
from typing import Callable
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from dashboard import paths
from dashboard.views import network as network_positions_module

from dashboard.filenames import export_name
from dashboard.frames import Bundle
from dashboard.selection import Selection, Vocab, related_ids, shown, summary, vocab_from_bundle
from dashboard.theme import PALETTES
from dashboard.views.map import EXPORT_RESOLUTION, SCREEN_RESOLUTION, MapPrep, map_figure, prepare_map
from dashboard.views.network import (NetworkPrep, network_elements, network_model, network_note, network_positions,
                                     prepare_network, viewport)
from dashboard.views.source import overview_model, render_source, source_model
from dashboard.views.debates import debates_figure
from dashboard.views.timeline import TimelinePrep, prepare_timeline, timeline_figure


@dataclass(frozen=True, eq=False)
class AppContext:
    bundle: Bundle
    vocab: Vocab
    positions: MappingProxyType
    year_span: tuple[int, int]
    era_ids: frozenset[str]
    timeline: TimelinePrep
    map: MapPrep
    network: NetworkPrep
    # where the browser fetches assets (historical borders) from; server-side exports inline them instead
    asset_prefix: str = "/assets/"
    # Every memo below is made on first use, one per context (cached_property writes the instance's __dict__, frozen
    # or not): what the filters show, the related records, a record's source model, the legend and the drawn views.

    def shown_for(self, sel: Selection):
        """selection.shown(bundle, sel), computed once per process for the fields that decide it."""
        return self._shown(shown_key(sel))

    @functools.cached_property
    def _shown(self) -> Callable:
        return functools.lru_cache(maxsize=shown_memo_size(len(self.bundle.kind_of)))(
            functools.partial(shown, self.bundle))

    def related_for(self, record_id: str | None) -> frozenset[str]:
        return self._related(record_id)

    @functools.cached_property
    def _related(self) -> Callable:
        return functools.lru_cache(maxsize=MEMO_SIZE)(functools.partial(related_ids, self.bundle))

    def legend_for(self, sel: Selection):
        """legend.legend_model of what `sel` shows, in its theme's palette: once per process for the fields that
        decide it (what is shown, and the theme)."""
        return self._legend(shown_key(sel), sel.theme)

    @functools.cached_property
    def _legend(self) -> Callable:
        from dashboard.legend import legend_model

        return functools.lru_cache(maxsize=MEMO_SIZE)(
            lambda key, theme: legend_model(self.bundle, self.shown_for(key), PALETTES[theme], self.map, self.network))

    def drawn_for(self, sel: Selection, sizes) -> Rendered:
        """render(self, sel, sizes=sizes) for the page's views, remembered for the last DRAWN_MEMO selections and sizes
        of the process: the state every visitor opens (all records: the costliest to place labels for), a reset, a
        shared link or a step back are drawn once. The result is shared: callers only read it."""
        return self._drawn(sel, tuple(sorted(sizes.items())))

    def forget_drawn(self) -> None:
        """Forget the remembered views (the benchmark measures a first visit that draws)."""
        self._drawn.cache_clear()

    @functools.cached_property
    def _drawn(self) -> Callable:
        return functools.lru_cache(maxsize=DRAWN_MEMO)(
            lambda sel, sizes: render(self, sel, sizes=MappingProxyType(dict(sizes))))

    def source_for(self, record_id: str | None):
        """views.source.source_model(bundle, record_id), computed once per process for a record (the views and the
        source panel both read it)."""
        return self._source(record_id)

    @functools.cached_property
    def _source(self) -> Callable:
        return functools.lru_cache(maxsize=MEMO_SIZE)(functools.partial(source_model, self.bundle))


# Selections remembered per process (a selection's Shown is a few arrays of the frames' length).
MEMO_SIZE = 64
# A Shown holds the ids of what it shows (up to every record) beside its masks: at the benchmark's 1000× scale
# (800,000 records) a broad selection's is about 8 MB, so the number remembered shrinks as the records grow, to keep
# the memo within about SHOWN_MEMO_RECORDS ids (64 of 100,000 records; never fewer than 8).
SHOWN_MEMO_RECORDS = 6_400_000


def shown_memo_size(records: int) -> int:
    """How many selections' Shown the process remembers for a data set of `records` selectable records."""
    return max(8, min(MEMO_SIZE, SHOWN_MEMO_RECORDS // max(records, 1)))


# Drawn views remembered per process (each about 0.5 MB at 1× for all records, less for fewer).
DRAWN_MEMO = 32


# View options shown() does not read (selection.VIEW_OPTIONS holds them all).
_NOT_FILTERS = ("theme", "present", "region", "borders", "lanes", "view")


def shown_key(sel: Selection) -> Selection:
    """The selection with the fields shown() does not read set to their defaults (the selected record, the theme,
    presentation mode and the map's and timeline's own switches): selections that differ only there share one
    Shown."""
    default = Selection()
    return replace(sel, selected=None, **{f: getattr(default, f) for f in _NOT_FILTERS})


def _positions_key(bundle: Bundle) -> str:
    """A digest of what the network layout depends on (actors, their movements, the ties, the layout code)."""
    h = hashlib.sha256(inspect.getsource(network_positions_module).encode())
    for df, cols in ((bundle.actors, ["actor_id", "movement_ids"]), (bundle.relations, ["source_id", "target_id"]),
                     (bundle.movements, ["movement_id"])):
        h.update(pd.util.hash_pandas_object(df[cols].astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:20]


def cached_positions(bundle: Bundle, cache_dir: Path | None = None) -> dict[str, tuple[float, float]]:
    """The network layout, computed once per data version and kept in the build cache (a force layout takes a
    few tenths of a second, at every start otherwise)."""
    path = Path(cache_dir or paths.CACHE_DIR) / f"positions-{_positions_key(bundle)}.json"
    try:
        return {k: tuple(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    positions = network_positions(bundle)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as f:
            json.dump(positions, f)
        os.replace(f.name, path)
    except OSError:
        pass  # a read-only checkout still serves, computing the layout at each start
    return positions


def make_context(bundle: Bundle, *, asset_prefix: str = "/assets/", positions=None) -> AppContext:
    """The app's frames and everything derived from them once. `positions` (actor id → x, y) is the network's
    layout when the caller has one (the "Add a text" preview computes its own, so that nothing of a user's text is
    written to the build cache); by default it is read from the cache or computed and kept there."""
    vocab = vocab_from_bundle(bundle)
    positions = cached_positions(bundle) if positions is None else dict(positions)
    bundle.index  # noqa: B018 — build the filter index now, not on the first request
    return AppContext(
        bundle=bundle, vocab=vocab,
        positions=MappingProxyType(positions),
        year_span=(vocab.year_min, vocab.year_max),
        era_ids=frozenset(bundle.periods.loc[bundle.periods["period_type"] == "era", "period_id"]),
        timeline=prepare_timeline(bundle),
        map=prepare_map(bundle),
        network=prepare_network(bundle, positions),
        asset_prefix=asset_prefix,
    )


# Each view's size in px (width, height) when the browser has not said: the panels of a 1920×1080 window.
DEFAULT_SIZES = MappingProxyType({"timeline": (1546, 328), "map": (768, 455), "network": (768, 419)})
# Sizes outside this range (px) are not a real panel: the default is used.
_SIZE_RANGE = (80, 8000)


def clean_sizes(data) -> MappingProxyType:
    """The views' px sizes from the browser's view-sizes store (untrusted): {"timeline": [w, h], …} → a mapping of
    (int, int) per view, the default for anything missing or absurd."""
    out = dict(DEFAULT_SIZES)
    if isinstance(data, dict):
        for view in DEFAULT_SIZES:
            v = data.get(view)
            if (isinstance(v, (list, tuple)) and len(v) == 2
                    and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
                    and all(_SIZE_RANGE[0] <= x <= _SIZE_RANGE[1] for x in v)):
                out[view] = (int(v[0]), int(v[1]))
    return MappingProxyType(out)


@dataclass(frozen=True)
class Rendered:
    timeline: dict
    map: dict
    elements: list
    source: object
    summary: str
    network_note: str = ""
    network_viewport: dict | None = None  # the cytoscape zoom and pan the labels were placed for
    shown: object = None  # selection.Shown: what every view draws
    selection: Selection | None = None
    debates: dict | None = None  # the Debates view, when the map's panel shows it (sel.view == "debates")


def borders_layer(ctx: AppContext, sel: Selection, *, export: bool = False) -> tuple[tuple[int, dict] | None, str]:
    """((year, trace), credit) of the historical borders for the selection's period, or (None, "") for modern
    borders (also when no historical map is old enough for the period)."""
    if sel.borders != "period":
        return None, ""
    from dashboard import basemaps

    year = basemaps.borders_year(sel.year_end if sel.has_period else None)
    if year is None:
        return None, ""
    palette = PALETTES[sel.theme]
    geojson = basemaps.load_borders(year, sel.region) if export else \
        ctx.asset_prefix + basemaps.borders_asset(year, sel.region)
    return (year, basemaps.borders_trace(year, sel.region, palette, geojson=geojson)), basemaps.basemap_credit(year)


def named(fig: dict, view: str, sel: Selection) -> dict:
    """The figure with the file name its toolbar's PNG download takes (layout.meta.filename, read by
    assets/image_names.js): the view and the filters, e.g. 'map_1936-1938_trotskyism'."""
    return {**fig, "layout": {**fig["layout"], "meta": {"filename": export_name(view, sel, "png")[:-4]}}}


def render(ctx: AppContext, sel: Selection, *, present: bool = False, export: bool = False,
           sizes=None) -> Rendered:
    """What every view shows for `sel`. `export=True` is for images made on the server (slides): anything the
    browser would fetch by URL (historical borders) is inlined."""
    present = present or sel.present
    sizes = sizes or DEFAULT_SIZES
    palette = PALETTES[sel.theme]
    b = ctx.bundle
    sh = ctx.shown_for(sel)
    rel = ctx.related_for(sel.selected)
    borders, credit = borders_layer(ctx, sel, export=export)
    net = network_model(b, sel, sh, rel, ctx.positions, prep=ctx.network, size=sizes["network"], present=present)
    return Rendered(
        timeline=named(timeline_figure(b, sel, sh, rel, present=present, year_span=ctx.year_span, palette=palette,
                                       prep=ctx.timeline, size=sizes["timeline"]), "timeline", sel),
        debates=named(debates_figure(b, sel, size=sizes["map"], present=present, palette=palette), "debates", sel)
        if sel.view == "debates" else None,
        map=named(map_figure(b, sel, sh, rel, present=present, palette=palette, prep=ctx.map, borders=borders,
                             borders_credit=credit, resolution=EXPORT_RESOLUTION if export else SCREEN_RESOLUTION,
                             size=sizes["map"]),
                  "map", sel),
        elements=network_elements(net),
        source=ctx.source_for(sel.selected),
        summary=summary(b, sel, ctx.vocab, sh),
        network_note=net.note or network_note(len(ctx.network.nodes)),
        network_viewport=viewport(net),
        shown=sh, selection=sel,
    )


def source_key(sel: Selection) -> str:
    """What the source panel depends on: the selected record, or (with none) what the filters show. The panel is
    re-sent only when this changes."""
    return f"record:{sel.selected}" if sel.selected else f"overview:{sel.view}:" + repr(shown_key(sel))


def source_panel(ctx: AppContext, sel: Selection):
    """The source panel's children: the selected record's passages, or the overview of what is shown."""
    model = ctx.source_for(sel.selected)
    overview = None if model is not None else overview_model(ctx.bundle, sel, ctx.shown_for(sel))
    return render_source(model, overview)

"""Everything the callbacks need, computed once per process from the frames and then read-only.

AppContext holds the bundle and what every request would otherwise recompute (the vocabulary of valid ids, the
network positions, each place's colour). render(ctx, selection) is the one pure function that turns a Selection
into what every view shows; callbacks call it and nothing else.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType

from dashboard.frames import Bundle
from dashboard.selection import Selection, Vocab, related_ids, shown, summary, vocab_from_bundle
from dashboard.views.map import citation_counts, map_figure, place_colors
from dashboard.views.network import network_elements, network_positions
from dashboard.views.source import source_model
from dashboard.views.timeline import timeline_figure


@dataclass(frozen=True, eq=False)
class AppContext:
    bundle: Bundle
    vocab: Vocab
    positions: MappingProxyType
    place_colors: MappingProxyType
    place_counts: Counter
    year_span: tuple[int, int]
    era_ids: frozenset[str]


def make_context(bundle: Bundle) -> AppContext:
    vocab = vocab_from_bundle(bundle)
    return AppContext(
        bundle=bundle, vocab=vocab,
        positions=MappingProxyType(network_positions(bundle)),
        place_colors=MappingProxyType(place_colors(bundle)),
        place_counts=citation_counts(bundle),
        year_span=(vocab.year_min, vocab.year_max),
        era_ids=frozenset(bundle.periods.loc[bundle.periods["period_type"] == "era", "period_id"]),
    )


@dataclass(frozen=True)
class Rendered:
    timeline: object
    map: object
    elements: list
    source: object
    summary: str


def render(ctx: AppContext, sel: Selection, *, present: bool = False, export: bool = False) -> Rendered:
    """What every view shows for `sel`. `export=True` is for images made on the server (slides): anything the
    browser would fetch by URL (historical borders) is inlined."""
    present = present or sel.present
    b = ctx.bundle
    sh = shown(b, sel)
    rel = related_ids(b, sel.selected)
    return Rendered(
        timeline=timeline_figure(b, sel, sh, rel, present=present, year_span=ctx.year_span),
        map=map_figure(b, sel, sh, rel, present=present, colors=dict(ctx.place_colors), counts=ctx.place_counts),
        elements=network_elements(b, sel, sh, rel, dict(ctx.positions)),
        source=source_model(b, sel.selected),
        summary=summary(b, sel, ctx.vocab, sh),
    )

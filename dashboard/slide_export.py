"""Slide images on the server, for the command line (`python -m dashboard export-slides`) and the films
(animation.py, from the command line or the dashboard's film jobs): PNG, SVG or PDF of slides.slide_figure through
one kaleido (headless Chromium) server per process with KALEIDO_TABS tabs, and the batches a command line asks for
(one slide per named period, or one period's).

Belongs here: kaleido, files, batches. Does not belong here: the slide's layout (slides.py), the browser's
"Download slide" (slides.slide_payload and assets/slide_download.js: the dashboard renders no slide image; only a
film, in film_jobs.py's worker thread, never inside a request).
Offline: the map's topojson is read from assets/topojson through a file:// URL, MathJax is off, plotly.js is the
copy inside the plotly package, and Chromium's own background requests go to a proxy address on loopback where
nothing listens (OFFLINE_PROXY).
Module state: one lock (a constant) guarding kaleido's process-wide server, started lazily on the first image (and
stopped by stop_kaleido when a dashboard process has no film left to make).
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

from dashboard.filenames import export_name
from dashboard.paths import TOPOJSON_DIR
from dashboard.selection import PANEL_VIEWS, Selection, clean_period, shown
from dashboard.slides import BASE_SIZE, FORMATS, scale_for, slide_figure
from dashboard.theme import MAP_REGIONS, PALETTES
from dashboard.views.map import citation_counts

# Chromium's proxy for every http(s) request: the discard port on loopback, where nothing listens, so that no
# request leaves the machine (file:// URLs, which is all a slide reads, are never proxied).
OFFLINE_PROXY = "http://127.0.0.1:9"
# A rendering never waits longer than this (s) for Chromium.
RENDER_TIMEOUT_S = 60
# Chromium tabs of the one server, each rendering one figure at a time: a batch (render_batch) keeps both busy,
# one drawing while the other encodes its PNG (measured on 2 cores: 0.42 s a 1920×1080 film frame with one tab,
# 0.33 s with two; three tabs were slower again).
KALEIDO_TABS = 2
# One lock for kaleido's process-wide server: it is started once, and its sync calls share one queue, so two
# threads calling at once could receive each other's image.
_KALEIDO_LOCK = threading.Lock()


def topojson_url() -> str:
    """The local topojson folder as the file:// URL plotly.js reads `{url}{scope}_{resolution}m.json` from."""
    return TOPOJSON_DIR.resolve().as_uri() + "/"


def _start_kaleido() -> None:
    """Start kaleido's process-wide server unless it runs (call with _KALEIDO_LOCK held). Offline by
    construction: MathJax is off (its default is a CDN script; the slides use no LaTeX), plotly.js is the copy in
    the plotly package, the topojson a file:// URL, and Chromium's own background services (update checks,
    sign-in, the search engine's preconnect) are sent to OFFLINE_PROXY, where nothing listens."""
    import kaleido

    kaleido.start_sync_server(n=KALEIDO_TABS, mathjax=False, timeout=RENDER_TIMEOUT_S, proxy_server=OFFLINE_PROXY,
                              silence_warnings=True)


def stop_kaleido() -> None:
    """Stop the process's kaleido server if it runs (its Chromium's memory back; the next image starts it again):
    for a server process whose films are done, which may not make another for hours."""
    import kaleido

    with _KALEIDO_LOCK:
        kaleido.stop_sync_server(silence_warnings=True)


def _spec(fig, fmt: str) -> tuple[dict, dict]:
    """(figure dict, kaleido's opts: format, the slide's width, height and scale)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    d = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig
    layout = d.get("layout", {})
    meta = layout.get("meta") or {}
    scale = float(meta.get("slide_scale") or 1.0) if isinstance(meta, dict) else 1.0
    return d, dict(format=fmt, width=layout.get("width", BASE_SIZE[0]), height=layout.get("height", BASE_SIZE[1]),
                   scale=scale)


def _image(fig, fmt: str) -> bytes:
    import kaleido

    d, opts = _spec(fig, fmt)
    with _KALEIDO_LOCK:
        _start_kaleido()
        return kaleido.calc_fig_sync(d, opts=opts, topojson=topojson_url())


def render_batch(figs_and_paths: Iterable[tuple[object, Path]], fmt: str = "png") -> list[Path]:
    """Write several figures at once, each to its path, on the server's KALEIDO_TABS tabs in parallel (one call,
    so no other thread's image comes between them); the paths in order."""
    import kaleido

    jobs = [(_spec(fig, fmt), Path(path)) for fig, path in figs_and_paths]
    url = topojson_url()
    with _KALEIDO_LOCK:
        _start_kaleido()
        kaleido.write_fig_from_object_sync([dict(fig=d, opts=opts, path=path, topojson=url)
                                            for (d, opts), path in jobs], cancel_on_error=True)
    return [path for _, path in jobs]


def write_slide(fig, path, fmt: str | None = None) -> Path:
    """Write one slide figure to `path` as png, svg or pdf (the format defaults to the path's suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    data = _image(fig, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def slide_bytes(ctx, sel: Selection, *, size: tuple[int, int] = BASE_SIZE, fmt: str = "png") -> bytes:
    """The slide for `sel` as image bytes (for a download). Thread-safe: renders are serialised per process."""
    return _image(slide_figure(ctx, sel, size=size), fmt)


def export_slides(ctx, selections: Iterable[Selection], out_dir, *, size: tuple[int, int] = BASE_SIZE,
                  fmt: str = "png", progress: Callable[[int, int, Path], None] | None = None) -> list[Path]:
    """One slide per selection in `out_dir`, named by filenames.export_name ('slide_1936-1938_trotskyism.png'),
    with one kaleido server for the whole batch. `progress(i, n, path)` is called after each file."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    scale_for(size)
    selections = list(selections)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for i, sel in enumerate(selections, start=1):
        name = export_name("slide", sel, fmt)
        stem, k = name[: -len(fmt) - 1], 2
        while name in used:  # two selections with the same file name: keep both
            name, k = f"{stem}_{k}.{fmt}", k + 1
        used.add(name)
        path = write_slide(slide_figure(ctx, sel, size=size), out / name, fmt)
        written.append(path)
        if progress is not None:
            progress(i, len(selections), path)
    return written


_PERIOD_ARG = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def parse_period(text: str, vocab) -> tuple[int, int]:
    """'1936-1938', '1936' or a named period's id ('per_great_turn') → (start, end) within the texts' years;
    ValueError with a message a person can act on otherwise."""
    text = (text or "").strip()
    for pid, _label, s, e in vocab.periods:
        if text == pid:
            start, end = clean_period(s, e, vocab)
            return (start, end) if start is not None else (vocab.year_min, vocab.year_max)
    m = _PERIOD_ARG.match(text)
    if not m:
        raise ValueError(f"--period {text!r}: expected YEAR, YEAR-YEAR (e.g. 1936-1938) or a named period's id")
    start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    if end < start:
        raise ValueError(f"--period {text!r}: the end year comes before the start year")
    if end < vocab.year_min or start > vocab.year_max:
        raise ValueError(f"--period {text!r}: outside the texts' years {vocab.year_min}–{vocab.year_max}")
    return max(start, vocab.year_min), min(end, vocab.year_max)


def slide_selections(ctx, *, period: str | None = None, movement_ids: Iterable[str] = (), selected: str | None = None,
                     theme: str = "light", region: str = "auto", borders: str = "modern",
                     view: str = "map") -> list[Selection]:
    """The selections of a batch: the one `period`, or else one per named period of the texts (in time order),
    each with the same movements, selected record, theme and borders. `region` 'auto' picks, per slide, the
    first map region that holds every site shown. Unknown ids raise ValueError naming the valid ones."""
    vocab = ctx.vocab
    movement_ids = tuple(m.strip() for m in movement_ids if m.strip())
    unknown = [m for m in movement_ids if m not in vocab.movement_ids]
    if unknown:
        raise ValueError(f"--movement: unknown movement id(s) {', '.join(unknown)}; "
                         f"valid: {', '.join(sorted(vocab.movement_ids))}")
    if selected is not None and selected not in vocab.record_ids:
        raise ValueError(f"--select {selected!r}: no record has this id")
    if theme not in PALETTES:
        raise ValueError(f"--theme {theme!r}: expected one of {', '.join(PALETTES)}")
    if region != "auto" and region not in MAP_REGIONS:
        raise ValueError(f"--region {region!r}: expected auto or one of {', '.join(MAP_REGIONS)}")
    if view not in PANEL_VIEWS:
        raise ValueError(f"--view {view!r}: expected one of {', '.join(PANEL_VIEWS)}")
    if period is not None:
        spans = [parse_period(period, vocab)]
    else:
        spans = [(s, e) for _, _, s, e in sorted(vocab.periods, key=lambda p: (p[2], p[3], p[1]))]
    from dashboard.selection import make_selection

    out = []
    for s, e in spans:
        sel = make_selection(vocab, year_start=s, year_end=e, movement_ids=movement_ids, selected=selected,
                             theme=theme, region="ussr" if region == "auto" else region, borders=borders,
                             view=view)
        out.append(fit_region(ctx.bundle, sel) if region == "auto" else sel)
    return out


def outside_view(bundle, sel: Selection, region: str | None = None) -> list[str]:
    """Names of the sites the selection shows that lie outside the map region's frame, most cited first."""
    spec = MAP_REGIONS[region or sel.region]
    (lon0, lon1), (lat0, lat1) = spec["lon"], spec["lat"]
    places = bundle.places
    sites = places[places["place_id"].isin(set(shown(bundle, sel).place_ids))]
    out = sites[~(sites["lon"].between(lon0, lon1) & sites["lat"].between(lat0, lat1))]
    counts = citation_counts(bundle)
    return [r.name for r in sorted(out.itertuples(), key=lambda r: (-counts.get(r.place_id, 0), r.name))]


def fit_region(bundle, sel: Selection) -> Selection:
    """The selection with the first map region (USSR, Europe, world) whose frame holds every site it shows; the
    selection as it is when it shows no site."""
    for region in MAP_REGIONS:
        if not outside_view(bundle, sel, region):
            return replace(sel, region=region) if region != sel.region else sel
    return sel

"""Playback as a film (`python -m dashboard export-animation`): one frame per step of the period, each the slide of
that step (slides.slide_figure: the views' own figures on the slide's canvas) with the step's year written large in
the header's free corner, rendered through slide_export's one kaleido server, then encoded as a GIF (Pillow) or an
MP4 (imageio-ffmpeg, whose wheel ships the encoder).

The frames are rendered FRAME_BATCH at a time (kaleido's tabs in parallel) in a thread of their own, one batch
ahead of the encoder (read_ahead).

Used by the command line and by the dashboard's "Download animation", whose films are made off the request threads
by film_jobs.py (75 frames take a kaleido server most of a minute of CPU, which a request must never wait for).
Belongs here: the frames' selections, the year's placement, rendering the frames and encoding them.
Does not belong here: the slide's layout (slides.py), kaleido's server (slide_export.py), jobs, queues and
temporary files (film_jobs.py), Dash (never imported).
"""

from __future__ import annotations

import html
import queue
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from dashboard.canvas import text_px
from dashboard.selection import Selection, clean_period
from dashboard.slides import BASE_SIZE, SIDE_PX, scale_for, slide_figure, slide_layout
from dashboard.theme import FONT_FAMILY, LIGHT, PALETTES

FORMATS = ("gif", "mp4")
STEPS = (1, 5)
# Frames per second: a year on screen for half a second reads as a steady march through the decades.
DEFAULT_FPS = 2.0
# The last frame is held this many frames' time, so the film does not end on a blink.
HOLD_LAST = 3
# The year's type size in px at 1920×1080: the largest that fits the header's free corner, within these bounds.
YEAR_PX_MAX = 120
YEAR_PX_MIN = 44
YEAR_TOP_PX = 10
# Room kept between the year and any of the slide's own words (px).
YEAR_GAP_PX = 16
# The header's annotations the year must keep clear of (slides.slide_layout's names).
_HEADER_NOTES = ("title", "headline", "filters", "selected")
# Coastlines at 1:110m on a film's frames: a third of the render time of 1:50m, and a frame is seen for half a
# second (`detailed=True` keeps the slide's own 1:50m).
FILM_RESOLUTION = 110
# Frames handed to kaleido in one call: a few per tab, so the tabs stay busy and progress still moves often.
FRAME_BATCH = 8


@dataclass(frozen=True)
class YearMark:
    text: str
    size: float  # px at 1920×1080
    x: float  # right edge, px
    y: float  # top, px


def frame_selections(sel: Selection, vocab, period: tuple[int, int], step: int) -> list[Selection]:
    """One selection per frame: `sel`'s filters over [year, year + step − 1], from the period's first year to its
    last (the last frame's window is cut at the period's end), like the dashboard's Play."""
    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(map(str, STEPS))}, not {step!r}")
    s, e = clean_period(*period, vocab)
    if s is None:
        s, e = vocab.year_min, vocab.year_max
    out = []
    for y in range(s, e + 1, step):
        out.append(replace(sel, year_start=y, year_end=min(y + step - 1, e), present=False))
    return out


def steady_region(bundle, sel: Selection, period: tuple[int, int]) -> Selection:
    """`sel` with one map region for the whole film when it asks the map to fit what it shows (a fitted map would
    jump from frame to frame): the first preset region holding every site of the whole period."""
    if sel.region != "fit":
        return sel
    from dashboard.slide_export import fit_region

    whole = fit_region(bundle, replace(sel, year_start=period[0], year_end=period[1], region="ussr"))
    return replace(sel, region=whole.region)


def year_text(sel: Selection) -> str:
    return str(sel.year_start) if sel.year_start == sel.year_end else f"{sel.year_start}–{sel.year_end}"


def _boxes_of(notes: list[dict]) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) in px of the header's own annotations."""
    W, H = BASE_SIZE
    out = []
    for a in notes:
        if a.get("name") not in _HEADER_NOTES:
            continue
        size = a["font"]["size"]
        lines = a["text"].split("<br>")
        width = max(text_px(html.unescape(line), size, bold="<b>" in line) for line in lines)
        left, top = a["x"] * W, (1 - a["y"]) * H
        out.append((left, top, left + width, top + len(lines) * size * 1.3))
    return out


def place_year(notes: list[dict], header_bottom: float, text: str) -> YearMark | None:
    """The year in the header's top-right corner at the largest size (YEAR_PX_MAX down to YEAR_PX_MIN) whose box
    keeps YEAR_GAP_PX clear of every header line and ends above the views; None when not even the smallest fits
    (the headline still says the years)."""
    right = BASE_SIZE[0] - SIDE_PX
    taken = _boxes_of(notes)
    size = float(YEAR_PX_MAX)
    while size >= YEAR_PX_MIN:
        w, h = text_px(text, size, bold=True) * 1.04, size * 1.2
        box = (right - w - YEAR_GAP_PX, YEAR_TOP_PX, right, YEAR_TOP_PX + h)
        clear = box[3] <= header_bottom and all(
            box[2] <= x0 or box[0] >= x1 or box[3] + YEAR_GAP_PX <= y0 or box[1] >= y1 + YEAR_GAP_PX
            for x0, y0, x1, y1 in taken)
        if clear:
            return YearMark(text, size, right, YEAR_TOP_PX)
        size -= 4
    return None


def frame_figure(ctx, sel: Selection, *, size: tuple[int, int] = BASE_SIZE, detailed: bool = False) -> dict:
    """The slide of `sel` with its year written large (place_year), as a plain figure dict."""
    fig = slide_figure(ctx, sel, size=size)
    _, notes, header_bottom = slide_layout(ctx, sel)
    mark = place_year(notes, header_bottom, year_text(sel))
    layout = dict(fig["layout"])
    if mark is not None:
        pal = PALETTES.get(sel.theme, LIGHT)
        W, H = BASE_SIZE
        layout["annotations"] = [*layout["annotations"], dict(
            text=f"<b>{html.escape(mark.text)}</b>", x=mark.x / W, y=1 - mark.y / H, xref="paper", yref="paper",
            xanchor="right", yanchor="top", showarrow=False, align="right", name="film_year",
            font=dict(size=mark.size, color=pal.ink, family=FONT_FAMILY))]
    if not detailed and "geo" in layout:
        layout["geo"] = {**layout["geo"], "resolution": FILM_RESOLUTION}
    return {**fig, "layout": layout}


def render_frames(ctx, sels: list[Selection], *, size: tuple[int, int] = BASE_SIZE, detailed: bool = False,
                  progress: Callable[[int, int], None] | None = None):
    """Each frame as a PIL RGB image of `size`, through slide_export's one kaleido server (one start for all),
    FRAME_BATCH frames a call so that its tabs render in parallel; each PNG is decoded once, straight to RGB."""
    from PIL import Image

    from dashboard.slide_export import render_batch

    scale_for(size)
    with tempfile.TemporaryDirectory(prefix="film-") as tmp:
        for first in range(0, len(sels), FRAME_BATCH):
            batch = [(frame_figure(ctx, sel, size=size, detailed=detailed), Path(tmp) / f"{first + k:04d}.png")
                     for k, sel in enumerate(sels[first:first + FRAME_BATCH])]
            for k, path in enumerate(render_batch(batch, "png"), start=first + 1):
                with Image.open(path) as im:
                    frame = im.convert("RGB")
                path.unlink()
                if frame.size != tuple(size):  # kaleido's rounding of the scale: never off by more than a pixel
                    frame = frame.resize(tuple(size), Image.Resampling.LANCZOS)
                if progress is not None:
                    progress(k, len(sels))
                yield frame


def read_ahead(items, depth: int):
    """Iterate `items` (a generator) in a thread of its own, at most `depth` items ahead of the caller, so that
    kaleido renders the next frames while the caller encodes these; the generator's exception is raised here, and
    a caller that stops early stops it (closed in its own thread)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value) -> bool:
        while not stop.is_set():
            try:
                q.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("end", None)
        except BaseException as e:  # noqa: BLE001 — handed to the caller's thread
            put("error", e)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    threading.Thread(target=produce, name="film-frames", daemon=True).start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


def encode_gif(frames, path: Path, fps: float = DEFAULT_FPS) -> Path:
    """An animated GIF that loops, each frame on its own adaptive palette (quantised as it arrives: a palette
    frame is a third of an RGB one), the last held HOLD_LAST frames."""
    from PIL import Image

    frames = [f.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) for f in frames]
    if not frames:
        raise ValueError("no frames")
    ms = int(round(1000 / fps))
    durations = [ms] * (len(frames) - 1) + [ms * HOLD_LAST]
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=False, disposal=1)
    return path


def encode_mp4(frames, path: Path, fps: float = DEFAULT_FPS) -> Path:
    """An H.264 MP4 (yuv420p, playable everywhere) through the ffmpeg that imageio-ffmpeg ships; the last frame
    held HOLD_LAST frames."""
    import imageio_ffmpeg

    writer = None
    last = None
    for frame in frames:
        if writer is None:
            writer = imageio_ffmpeg.write_frames(str(path), frame.size, fps=fps, codec="libx264", quality=7,
                                                 macro_block_size=2, pix_fmt_out="yuv420p",
                                                 output_params=["-movflags", "+faststart"])
            writer.send(None)
        last = frame.tobytes()
        writer.send(last)
    if writer is None:
        raise ValueError("no frames")
    for _ in range(HOLD_LAST - 1):
        writer.send(last)
    writer.close()
    return path


def export_animation(ctx, sel: Selection, out: Path, *, period: tuple[int, int], step: int = 1,
                     fmt: str | None = None, size: tuple[int, int] = BASE_SIZE, fps: float = DEFAULT_FPS,
                     detailed: bool = False, progress: Callable[[int, int], None] | None = None) -> tuple[Path, int]:
    """Write the film of `sel`'s filters over `period` to `out` (GIF or MP4, from `fmt` or the file's suffix);
    returns (path, number of distinct frames)."""
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".") or "mp4").lower()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if not (fps > 0):
        raise ValueError(f"fps must be positive, not {fps!r}")
    scale_for(size)
    sels = frame_selections(steady_region(ctx.bundle, sel, period), ctx.vocab, period, step)
    frames = read_ahead(render_frames(ctx, sels, size=size, detailed=detailed, progress=progress), FRAME_BATCH)
    out.parent.mkdir(parents=True, exist_ok=True)
    (encode_gif if fmt == "gif" else encode_mp4)(frames, out, fps)
    return out, len(sels)


"""Slide export (dashboard/slides.py, `python -m dashboard export-slides`): sizes, content, formats, offline.

One kaleido (headless Chromium) server serves the whole module; the first image starts it. PNGs are checked with
a small decoder (zlib + numpy), so no imaging library is needed.
"""

from __future__ import annotations

import json
import re
import struct
import threading
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest

from dashboard import slides
from dashboard.cli import main as cli_main
from dashboard.context import make_context
from dashboard.filenames import export_name
from dashboard.formatting import esc
from dashboard.frames import load_bundle
from dashboard.paths import TOPOJSON_DIR
from dashboard.selection import Selection, make_selection, shown, summary
from dashboard.theme import PALETTES

# ---------------------------------------------------------------------------------------------------------------
# A PNG reader: enough of the format for what Chromium writes (8-bit RGB/RGBA, no interlace)
# ---------------------------------------------------------------------------------------------------------------


def png_chunks(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos = 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + n]
        pos += 12 + n


def png_size(data: bytes) -> tuple[int, int]:
    kind, body = next(png_chunks(data))
    assert kind == b"IHDR"
    return struct.unpack(">II", body[:8])


def png_pixels(data: bytes) -> np.ndarray:
    """(height, width, channels) uint8 array."""
    chunks = list(png_chunks(data))
    w, h, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0 and color_type in (2, 6)
    bpp = 4 if color_type == 6 else 3
    raw = np.frombuffer(zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT")), dtype=np.uint8)
    raw = raw.reshape(h, w * bpp + 1)
    out = np.zeros((h, w * bpp), dtype=np.uint8)
    prev = np.zeros(w * bpp, dtype=np.int32)
    for y in range(h):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 1:
            cur = np.cumsum(line.reshape(w, bpp), axis=0).reshape(-1) % 256
        elif f == 2:
            cur = (line + prev) % 256
        else:  # average and Paeth depend on the pixel to the left: one at a time
            cur = np.zeros_like(line)
            for i in range(len(line)):
                a = int(cur[i - bpp]) if i >= bpp else 0
                b = int(prev[i])
                c = int(prev[i - bpp]) if i >= bpp else 0
                if f == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                cur[i] = (int(line[i]) + pred) % 256
        out[y] = cur
        prev = cur.astype(np.int32)
    return out.reshape(h, w, bpp)


def hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


# ---------------------------------------------------------------------------------------------------------------
# Fixtures: one context, one server, one default slide for the module
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ctx():
    return make_context(load_bundle())


@pytest.fixture(scope="module")
def default_png(ctx) -> bytes:
    """The default view's slide; rendering it starts the module's one kaleido server."""
    return slides.slide_bytes(ctx, Selection())


@pytest.fixture(scope="module")
def trotskyism(ctx) -> Selection:
    return make_selection(ctx.vocab, year_start=1936, year_end=1938, movement_ids=["trotskyism"])


def annotation(fig, name: str) -> str:
    found = [a.text for a in fig.layout.annotations if a.name == name]
    assert found, f"no annotation named {name!r}"
    return found[0]


# ---------------------------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------------------------


def test_slide001_png_is_1920x1080_and_not_blank(ctx, default_png):
    w, h = png_size(default_png)
    assert (w, h) == (1920, 1080)
    assert w * 9 == h * 16
    px = png_pixels(default_png)[:, :, :3]
    colours = {tuple(c) for c in px[::4, ::4].reshape(-1, 3)}
    assert len(colours) > 500, "a slide of three views has many colours"
    paper = hex_rgb(PALETTES["light"].paper)
    assert tuple(px[4, 4]) == paper
    assert (px != paper).any(axis=2).mean() > 0.15, "mostly background"
    # the title, in ink, in the top-left corner
    title = px[20:75, 36:800]
    assert (title.sum(axis=2) < 200).sum() > 2000


def test_slide002_large_size_is_the_same_layout_at_scale_2(ctx, tmp_path):
    fig = slides.slide_figure(ctx, Selection(), size=(3840, 2160))
    assert (fig.layout.width, fig.layout.height) == (1920, 1080)
    assert fig.layout.meta["slide_scale"] == 2
    small = slides.slide_figure(ctx, Selection())
    assert [a.text for a in fig.layout.annotations] == [a.text for a in small.layout.annotations]
    path = slides.write_slide(fig, tmp_path / "big.png", "png")
    assert png_size(path.read_bytes()) == (3840, 2160)


def test_slide003_svg_parses_as_xml_and_pdf_is_a_pdf(ctx, trotskyism, default_png):
    svg = slides.slide_bytes(ctx, trotskyism, fmt="svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert root.get("width") == "1920" and root.get("height") == "1080"
    assert b"Stalinism and the anti-Stalinist left" in svg
    pdf = slides.slide_bytes(ctx, trotskyism, fmt="pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_slide004_dark_theme_has_a_dark_background(ctx, default_png):
    dark = PALETTES["dark"]
    sel = make_selection(ctx.vocab, year_start=1930, year_end=1939, theme="dark", selected="trotsky")
    fig = slides.slide_figure(ctx, sel)
    assert fig.layout.paper_bgcolor == dark.paper
    assert next(a for a in fig.layout.annotations if a.name == "title").font.color == dark.ink
    px = png_pixels(slides.slide_bytes(ctx, sel))[:, :, :3]
    assert tuple(px[4, 4]) == hex_rgb(dark.paper)
    assert (px.sum(axis=2) < 150).mean() > 0.5, "mostly dark"


def test_slide005_concurrent_downloads_each_get_their_own_slide(ctx, default_png):
    """slide_bytes from several threads (a gunicorn worker's): each caller gets the image it asked for."""
    wanted = {"light": PALETTES["light"].paper, "dark": PALETTES["dark"].paper}
    got: dict[str, bytes] = {}

    def run(theme):
        got[theme] = slides.slide_bytes(ctx, make_selection(ctx.vocab, theme=theme))

    threads = [threading.Thread(target=run, args=(t,)) for t in wanted]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for theme, paper in wanted.items():
        assert tuple(png_pixels(got[theme])[4, 4, :3]) == hex_rgb(paper), theme


def test_slide006_bad_size_or_format_raise(ctx):
    with pytest.raises(ValueError, match="16:9"):
        slides.slide_figure(ctx, Selection(), size=(1000, 1000))
    with pytest.raises(ValueError, match="format"):
        slides.write_slide(slides.slide_figure(ctx, Selection()), "/tmp/never.gif", "gif")


# ---------------------------------------------------------------------------------------------------------------
# What the slide says
# ---------------------------------------------------------------------------------------------------------------


def test_slide010_filters_line_is_what_the_frames_say(ctx, trotskyism):
    fig = slides.slide_figure(ctx, trotskyism)
    text = annotation(fig, "filters")
    assert text == esc("Showing " + summary(ctx.bundle, trotskyism, ctx.vocab))
    sh = shown(ctx.bundle, trotskyism)
    counts = re.search(r"(\d+) events?, (\d+) sites?, (\d+) routes?, (\d+) ties?", text).groups()
    assert tuple(map(int, counts)) == (len(sh.event_ids), len(sh.place_ids), len(sh.route_ids),
                                       len(sh.relation_ids))
    assert "1936–1938" in annotation(fig, "headline") and "Trotskyism" in annotation(fig, "headline")


def test_slide011_named_period_headline_selected_record_and_credits(ctx):
    pid, label, start, end = next(p for p in ctx.vocab.periods if p[0] == "per_great_turn")
    sel = make_selection(ctx.vocab, year_start=start, year_end=end, selected="trotsky")
    fig = slides.slide_figure(ctx, sel)
    assert label in annotation(fig, "headline")
    assert annotation(fig, "selected").startswith("Selected: Leon Trotsky (actor)")
    credit = annotation(fig, "credit")
    for c in ctx.bundle.documents["credit"]:
        assert esc(c) in credit
    assert "CC BY-SA 4.0" in credit and "Natural Earth" in credit and "Coordinates: editor's geocoding" in credit
    period_borders = slides.slide_figure(ctx, make_selection(ctx.vocab, year_start=1936, year_end=1938,
                                                             borders="period"))
    assert "Natural Earth" not in annotation(period_borders, "credit")


def test_slide012_text_is_sized_for_a_projector(ctx, trotskyism):
    fig = slides.slide_figure(ctx, trotskyism).to_plotly_json()
    lay = fig["layout"]
    sizes = [a["font"]["size"] for a in lay["annotations"]]
    assert min(sizes) >= 16
    assert next(a for a in lay["annotations"] if a.get("name") == "title")["font"]["size"] >= 36
    for t in fig["data"]:
        if "text" in str(t.get("mode", "")):
            s = t["textfont"]["size"]
            assert min(s if isinstance(s, list) else [s]) >= 16, t.get("name")
    for key, ax in lay.items():
        if key.startswith(("xaxis", "yaxis")) and ax.get("visible", True) is not False and ax.get("showticklabels",
                                                                                                  True):
            assert ax.get("tickfont", {}).get("size", 16) >= 16, key


def test_slide013_network_uses_the_cytoscape_positions_and_colours(ctx, trotskyism):
    from dashboard.context import render

    elements = render(ctx, trotskyism, export=True).elements
    fig = slides.slide_figure(ctx, trotskyism)
    nodes = next(t for t in fig.data if t.name == "actors")
    colors = dict(zip(ctx.bundle.movements["movement_id"], ctx.bundle.movements["color"]))
    by_id = {el["data"]["id"]: el for el in elements if "source" not in el["data"]}
    assert set(nodes.customdata) == set(by_id)
    for i, node_id in enumerate(nodes.customdata):
        el = by_id[node_id]
        assert (nodes.x[i], nodes.y[i]) == (el["position"]["x"], el["position"]["y"])
        mv = next(c[3:] for c in el["classes"].split() if c.startswith("mv-"))
        assert nodes.marker.color[i] == colors.get(mv, PALETTES["light"].no_movement)
        faded = "faded" in el["classes"].split()
        assert (nodes.marker.opacity[i] < 0.5) == faded
    assert next(t for t in fig.data if t.name == "actor labels").text, "the most connected nodes are labelled"


def test_slide014_empty_panels_say_why(ctx):
    sel = make_selection(ctx.vocab, q="zzzz no such words")
    texts = " ".join(a.text for a in slides.slide_figure(ctx, sel).layout.annotations)
    assert "No events match these filters" in texts
    assert "No places or routes match these filters" in texts
    assert "No ties" in texts


def test_slide015_figure_holds_no_url_and_reads_topojson_from_disk(ctx, trotskyism):
    for sel in (Selection(), trotskyism, make_selection(ctx.vocab, year_start=1936, year_end=1938,
                                                        borders="period")):
        text = slides.slide_figure(ctx, sel).to_json()
        assert not re.search(r"https?://", text), "a slide must not fetch anything"
    url = slides.topojson_url()
    assert url.startswith("file://") and url.endswith("/")
    assert (TOPOJSON_DIR / "world_50m.json").is_file() and (TOPOJSON_DIR / "world_110m.json").is_file()
    assert slides.OFFLINE_PROXY.startswith("http://127.0.0.1:")
    json.loads(slides.slide_figure(ctx, trotskyism).to_json())  # plain JSON: nothing left unserialisable


# ---------------------------------------------------------------------------------------------------------------
# Batches and the command line
# ---------------------------------------------------------------------------------------------------------------


def test_slide020_batch_writes_one_file_per_selection(ctx, tmp_path, default_png):
    sels = slides.slide_selections(ctx)[:3]
    seen = []
    paths = slides.export_slides(ctx, sels, tmp_path, progress=lambda i, n, p: seen.append((i, n, p.name)))
    assert [p.name for p in paths] == [export_name("slide", s, "png") for s in sels]
    assert seen == [(i + 1, 3, p.name) for i, p in enumerate(paths)]
    for p in paths:
        assert png_size(p.read_bytes()) == (1920, 1080)


def test_slide021_cli_writes_one_slide_per_named_period(ctx, tmp_path, capsys, default_png):
    out = tmp_path / "slides"
    assert cli_main(["export-slides", "--out", str(out)]) == 0
    files = sorted(out.glob("*.png"))
    assert len(files) == len(ctx.vocab.periods)
    lines = capsys.readouterr().out.splitlines()
    n = len(ctx.vocab.periods)
    assert lines[0] == f"1/{n} slide_1917-1923.png"
    assert all(re.fullmatch(rf"\d+/{n} slide_\d{{4}}-\d{{4}}\.png", line) for line in lines[:n])
    for f in files:
        assert png_size(f.read_bytes()) == (1920, 1080)


def test_slide022_cli_one_period_with_movement_and_selection(tmp_path, capsys, default_png):
    out = tmp_path / "one"
    args = ["export-slides", "--out", str(out), "--period", "1936-1938", "--movement", "trotskyism",
            "--select", "trotsky", "--format", "svg"]
    assert cli_main(args) == 0
    (only,) = out.iterdir()
    assert only.name == "slide_1936-1938_trotskyism_trotsky.svg"
    ET.parse(only)


@pytest.mark.parametrize("args, message", [
    (["--movement", "no_such_movement"], "unknown movement"),
    (["--period", "1800-1805"], "outside the texts' years"),
    (["--period", "1938-1936"], "end year comes before"),
    (["--period", "the thirties"], "expected YEAR"),
    (["--select", "no_such_record"], "no record has this id"),
])
def test_slide023_cli_rejects_bad_arguments(tmp_path, capsys, args, message):
    assert cli_main(["export-slides", "--out", str(tmp_path / "x"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_slide024_cli_size_and_format_are_checked(tmp_path, capsys):
    for bad in (["--size", "1000x1000"], ["--format", "gif"]):
        with pytest.raises(SystemExit) as e:
            cli_main(["export-slides", "--out", str(tmp_path), *bad])
        assert e.value.code == 2
    assert "invalid choice" in capsys.readouterr().err

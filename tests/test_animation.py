"""Playback as a film: the frames' selections, the year's place on each frame, and a short film's frame count and
size as GIF and MP4 (rendered through kaleido: a few seconds per frame)."""

from __future__ import annotations

import html

import pytest
from PIL import Image

from dashboard import animation
from dashboard.canvas import text_px
from dashboard.selection import Selection
from dashboard.slides import BASE_SIZE, slide_layout


def test_film001_one_frame_per_step(app_ctx):
    vocab = app_ctx.vocab
    sel = Selection(movement_ids=("trotskyism",))
    one = animation.frame_selections(sel, vocab, (1917, 1991), 1)
    assert len(one) == 75 and (one[0].year_start, one[-1].year_end) == (1917, 1991)
    assert all(s.year_start == s.year_end and s.movement_ids == ("trotskyism",) for s in one)
    five = animation.frame_selections(sel, vocab, (1917, 1991), 5)
    assert [(s.year_start, s.year_end) for s in five[:2]] == [(1917, 1921), (1922, 1926)]
    assert (five[-1].year_start, five[-1].year_end) == (1987, 1991) and len(five) == 15
    with pytest.raises(ValueError):
        animation.frame_selections(sel, vocab, (1917, 1991), 3)


def _overlaps(a, b) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


@pytest.mark.parametrize("sel", [Selection(1937, 1937), Selection(1922, 1926, movement_ids=("trotskyism",)),
                                 Selection(1936, 1936, selected="trotsky")], ids=["year", "span", "selected"])
def test_film002_the_year_is_large_and_clear_of_the_header(app_ctx, sel):
    _, notes, header_bottom = slide_layout(app_ctx, sel)
    text = animation.year_text(sel)
    mark = animation.place_year(notes, header_bottom, text)
    assert mark is not None and mark.size >= 60  # large: at least 1.5× the slide's title
    w, h = text_px(text, mark.size, bold=True), mark.size * 1.2
    box = (mark.x - w, mark.y, mark.x, mark.y + h)
    assert box[3] <= header_bottom and box[2] <= BASE_SIZE[0]
    for a in notes:
        if a.get("name") in ("title", "headline", "filters", "selected"):
            lines = a["text"].split("<br>")
            left, top = a["x"] * BASE_SIZE[0], (1 - a["y"]) * BASE_SIZE[1]
            other = (left, top, left + max(text_px(html.unescape(x), a["font"]["size"], bold="<b>" in x)
                                           for x in lines), top + len(lines) * a["font"]["size"] * 1.3)
            assert not _overlaps(box, other), a["name"]
    fig = animation.frame_figure(app_ctx, sel)
    assert [a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "film_year"] == [f"<b>{text}</b>"]


def test_film003_gif_and_mp4_have_a_frame_per_step_at_the_size(app_ctx, tmp_path):
    import imageio_ffmpeg

    sels = animation.frame_selections(Selection(), app_ctx.vocab, (1930, 1939), 5)
    size = (320, 180)
    frames = list(animation.render_frames(app_ctx, sels, size=size))
    assert len(frames) == 2 and all(f.size == size for f in frames)
    assert frames[0].tobytes() != frames[1].tobytes()  # the year and the views change
    gif = animation.encode_gif(frames, tmp_path / "film.gif", fps=4)
    with Image.open(gif) as im:
        assert im.n_frames == 2 and im.size == size and im.info["loop"] == 0
    mp4 = animation.encode_mp4(iter(frames), tmp_path / "film.mp4", fps=4)
    reader = imageio_ffmpeg.read_frames(str(mp4))
    meta = next(reader)
    assert tuple(meta["size"]) == size and meta["fps"] == 4
    assert sum(1 for _ in reader) == len(frames) + animation.HOLD_LAST - 1  # the last frame held


def test_film004_frames_are_read_ahead_in_order_and_errors_reach_the_encoder():
    import threading

    assert list(animation.read_ahead(iter(range(20)), 3)) == list(range(20))

    def broken():
        yield 1
        raise RuntimeError("kaleido went away")

    with pytest.raises(RuntimeError, match="went away"):
        list(animation.read_ahead(broken(), 2))

    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    ahead = animation.read_ahead(endless(), 2)
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    ahead.close()  # the encoder stopped: the renderer stops too
    assert closed.wait(5)

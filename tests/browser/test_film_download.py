""""Download animation" in headless Chromium: the click makes the film of the page's filters on the server (a short
period, so a few real frames), the page shows its progress, and the film downloads with one frame per year."""

from __future__ import annotations

import pytest

from dashboard.animation import HOLD_LAST
from tests.browser.test_dashboard import open_app

pytestmark = pytest.mark.browser


def test_film001_download_animation_gives_a_frame_per_year(dash_page, tmp_path):
    import imageio_ffmpeg

    page = open_app(dash_page, "?period=1936-1937&movement=trotskyism")
    page.click(".film-menu > summary")  # the header's "Animation" menu
    with page.expect_download(timeout=180_000) as info:
        page.click("#download-film-button")
        page.wait_for_function("() => document.querySelector('#film-status').textContent.length > 0",
                               timeout=20_000)
    d = info.value
    assert d.suggested_filename == "film_1936-1937_trotskyism.mp4"
    path = tmp_path / d.suggested_filename
    d.save_as(path)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert tuple(meta["size"]) == (1920, 1080)
    assert sum(1 for _ in reader) == 2 + HOLD_LAST - 1  # 1936 and 1937, the last held
    page.wait_for_function("() => document.querySelector('#film-status').textContent.startsWith('Film ready')",
                           timeout=20_000)
    assert not page.locator("#download-film-button").is_disabled()
    assert dash_page.blocked == [] and dash_page.console_errors == []

"""User events → the next state (dashboard.events): playback, control write-back, unknown triggers."""

from __future__ import annotations

from dashboard import ids
from dashboard.events import CONTROL_IDS, KEEP, PAUSE_LABEL, PLAY_LABEL, sync_step
from dashboard.selection import from_query, vocab_from_bundle


def test_page_load_reads_the_url_and_writes_every_control(bundle):
    vocab = vocab_from_bundle(bundle)
    out = sync_step(None, None, "?period=1936-1938&network=all", None, 1, True, vocab, frozenset())
    assert (out.selection.year_start, out.selection.network) == (1936, "all")
    assert len(out.controls) == len(CONTROL_IDS) and KEEP not in out.controls


def test_playback_starts_steps_and_pauses(bundle):
    vocab = vocab_from_bundle(bundle)
    sel = from_query("?period=1930-1934", vocab)
    started = sync_step(ids.PLAY, 1, "", sel.to_dict(), 5, True, vocab, frozenset())
    assert started.play == (False, PAUSE_LABEL)
    stepped = sync_step(ids.PLAY_TIMER, 1, "", started.selection.to_dict(), 5, False, vocab, frozenset())
    assert (stepped.selection.year_start, stepped.selection.year_end) == (1935, 1939)
    assert sync_step(ids.PLAY_TIMER, 2, "", sel.to_dict(), 5, True, vocab, frozenset()).selection is None
    paused = sync_step(ids.PLAY, 2, "", stepped.selection.to_dict(), 5, False, vocab, frozenset())
    assert paused.play == (True, PLAY_LABEL) and paused.selection == stepped.selection


def test_only_changed_controls_are_written_back(bundle):
    vocab = vocab_from_bundle(bundle)
    sel = from_query("?period=1936-1938", vocab)
    out = sync_step(ids.NETWORK_MODE, "all", "", sel.to_dict(), 1, True, vocab, frozenset())
    written = dict(zip(CONTROL_IDS, out.controls))
    assert written[ids.NETWORK_MODE] == "all" and written[ids.PERIOD_SLIDER] is KEEP
    assert sync_step("no-such-control", 1, "", sel.to_dict(), 1, True, vocab, frozenset()).selection is None

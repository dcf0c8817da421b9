"""User events → the next state (dashboard.events): playback, control write-back, unknown triggers."""

from __future__ import annotations

from dashboard import ids
from dashboard.events import CONTROL_IDS, KEEP, PAUSE_LABEL, PLAY_LABEL, sync_step, user_first
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


def test_a_pause_click_is_not_lost_to_a_playback_tick_that_fired_with_it(bundle):
    # a request that waited for the one before it carries both changes: the click is acted on, and it pauses
    vocab = vocab_from_bundle(bundle)
    assert user_first([(ids.PLAY_TIMER, 7), (ids.PLAY, 3)]) == (ids.PLAY, 3)
    assert user_first([(ids.PLAY, 3), (ids.PLAY_TIMER, 7)]) == (ids.PLAY, 3)
    assert user_first([(ids.PLAY_TIMER, 7)]) == (ids.PLAY_TIMER, 7)
    assert user_first([]) == (None, None)
    playing = from_query("?period=1940-1941", vocab).to_dict()
    trigger, value = user_first([(ids.PLAY_TIMER, 7), (ids.PLAY, 3)])
    paused = sync_step(trigger, value, "", playing, 1, False, vocab, frozenset())
    assert paused.play == (True, PLAY_LABEL) and paused.selection.year_start == 1940


def test_only_changed_controls_are_written_back(bundle):
    vocab = vocab_from_bundle(bundle)
    sel = from_query("?period=1936-1938", vocab)
    out = sync_step(ids.NETWORK_MODE, "all", "", sel.to_dict(), 1, True, vocab, frozenset())
    written = dict(zip(CONTROL_IDS, out.controls))
    assert written[ids.NETWORK_MODE] == "all" and written[ids.PERIOD_SLIDER] is KEEP
    assert sync_step("no-such-control", 1, "", sel.to_dict(), 1, True, vocab, frozenset()).selection is None

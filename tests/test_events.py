"""User events → the next state (dashboard.events): playback, control write-back, unknown triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import ids
from dashboard.events import CONTROL_IDS, KEEP, sync_step, user_first
from dashboard.selection import from_query, vocab_from_bundle
from dashboard.views.filters import PAUSE_LABEL, PLAY_LABEL


def test_page_load_reads_the_url_and_writes_the_controls_it_changes(bundle):
    vocab = vocab_from_bundle(bundle)
    out = sync_step(None, None, "?period=1936-1938&network=all", None, 1, True, vocab, frozenset())
    assert (out.selection.year_start, out.selection.network) == (1936, "all")
    written = {c for c, v in zip(CONTROL_IDS, out.controls) if v is not KEEP}
    assert written == {ids.PERIOD_SLIDER, ids.NETWORK_MODE}, written
    assert out.controls[CONTROL_IDS.index(ids.PERIOD_SLIDER)] == [1936, 1938]
    # no query: every control already shows its value
    assert set(sync_step(None, None, "", None, 1, True, vocab, frozenset()).controls) == {KEEP}


def test_the_pages_controls_show_the_default_selection(app, app_ctx):
    # what the first answer leaves alone (sync_step compares with the default selection) is what the page shows
    from dashboard.events import _controls
    from dashboard.selection import Selection
    from tests.helpers import find_component

    expected = _controls(Selection(), app_ctx.vocab, app_ctx.era_ids)
    shown = tuple(find_component(app.layout, cid).value for cid in CONTROL_IDS)
    assert shown == expected


def test_playback_starts_steps_and_pauses(bundle):
    vocab = vocab_from_bundle(bundle)
    sel = from_query("?period=1930-1934", vocab)
    started = sync_step(ids.PLAY_REQUEST, {"play": True, "n": 1}, "", sel.to_dict(), 5, True, vocab, frozenset())
    assert started.timer_disabled is False and started.selection == sel
    stepped = sync_step(ids.PLAY_TICK, 1, "", started.selection.to_dict(), 5, False, vocab, frozenset())
    assert (stepped.selection.year_start, stepped.selection.year_end) == (1935, 1939)
    assert stepped.timer_disabled is KEEP
    # a tick that reaches the server after the timer was stopped changes nothing
    assert sync_step(ids.PLAY_TICK, 2, "", sel.to_dict(), 5, True, vocab, frozenset()).selection is None
    # the pause itself was made in the browser: its request changes nothing either (it only outruns a tick)
    paused = sync_step(ids.PLAY_REQUEST, {"play": False, "n": 2}, "", stepped.selection.to_dict(), 5, True, vocab,
                       frozenset())
    assert paused.selection is None
    # at the last year the timer stops; a start from there begins again at the first years
    end = from_query(f"?period={vocab.year_max - 1}-{vocab.year_max}", vocab)
    again = sync_step(ids.PLAY_REQUEST, {"play": True, "n": 3}, "", end.to_dict(), 1, True, vocab, frozenset())
    assert again.selection.year_start == vocab.year_min and again.timer_disabled is False
    last = sync_step(ids.PLAY_TICK, 9, "", from_query(f"?period={vocab.year_max - 2}-{vocab.year_max - 1}",
                                                        vocab).to_dict(), 1, False, vocab, frozenset())
    assert last.selection.year_end == vocab.year_max and last.timer_disabled is True


@pytest.mark.parametrize("junk", [None, 3, "play", {"play": "yes"}, {"n": 2}, [True]])
def test_a_play_request_that_is_not_a_start_changes_nothing(bundle, junk):
    vocab = vocab_from_bundle(bundle)
    sel = from_query("?period=1930-1934", vocab).to_dict()
    assert sync_step(ids.PLAY_REQUEST, junk, "", sel, 1, True, vocab, frozenset()).selection is None


def test_a_user_change_is_not_lost_to_a_playback_tick_that_fired_with_it(bundle):
    # a request that waited for the one before it carries both changes: the user's is acted on
    vocab = vocab_from_bundle(bundle)
    assert user_first([(ids.PLAY_TICK, 7), (ids.MOVEMENTS, ["trotskyism"])]) == (ids.MOVEMENTS, ["trotskyism"])
    assert user_first([(ids.PLAY_REQUEST, {"play": False}), (ids.PLAY_TICK, 7)]) == (ids.PLAY_REQUEST,
                                                                                     {"play": False})
    assert user_first([(ids.PLAY_TICK, 7)]) == (ids.PLAY_TICK, 7)
    assert user_first([]) == (None, None)
    playing = from_query("?period=1940-1941", vocab).to_dict()
    trigger, value = user_first([(ids.PLAY_TICK, 7), (ids.PLAY_REQUEST, {"play": False, "n": 4})])
    assert sync_step(trigger, value, "", playing, 1, False, vocab, frozenset()).selection is None


def test_the_browser_writes_the_play_buttons_labels_of_the_server():
    # assets/playback.js writes the label the timer calls for: the same two the page starts with
    js = (Path(__file__).parents[1] / "assets" / "playback.js").read_text(encoding="utf-8")
    decoded = js.encode().decode("unicode_escape")
    assert f'PLAY = "{PLAY_LABEL}"' in decoded and f'PAUSE = "{PAUSE_LABEL}"' in decoded


def test_only_changed_controls_are_written_back(bundle):
    vocab = vocab_from_bundle(bundle)
    sel = from_query("?period=1936-1938", vocab)
    out = sync_step(ids.NETWORK_MODE, "all", "", sel.to_dict(), 1, True, vocab, frozenset())
    written = dict(zip(CONTROL_IDS, out.controls))
    assert written[ids.NETWORK_MODE] == "all" and written[ids.PERIOD_SLIDER] is KEEP
    assert sync_step("no-such-control", 1, "", sel.to_dict(), 1, True, vocab, frozenset()).selection is None


def test_opening_props_for_the_urls_the_page_writes(bundle):
    from dashboard.events import opening_props
    from dashboard.selection import to_query

    vocab = vocab_from_bundle(bundle)
    props = opening_props("?period=1936-1938&network=all", vocab, frozenset())
    assert props[ids.SELECTION]["data"]["year_start"] == 1936
    assert props[ids.PERIOD_SLIDER] == {"value": [1936, 1938]} and props[ids.NETWORK_MODE] == {"value": "all"}
    assert set(props) == {ids.SELECTION, *CONTROL_IDS}
    assert opening_props("", vocab, frozenset())[ids.SELECTION]["data"]["year_start"] is None
    for search in ("?network=all&period=1936-1938", "?period=zzz", "period=1936-1938"):
        assert opening_props(search, vocab, frozenset()) is None, search
    assert opening_props(None, vocab, frozenset()) == opening_props("", vocab, frozenset())  # no query
    # every query the page writes opens without a round trip
    for q in ("?period=1917-1924&movement=trotskyism&type=purge&q=kirov+murder", "?select=ev_moscow_trials&theme=dark"):
        assert to_query(from_query(q, vocab)) == q and opening_props(q, vocab, frozenset()) is not None


def test_a_link_click_is_the_links_event(bundle):
    from dashboard.events import event_of

    assert event_of(ids.LINK_CLICK, {"id": {"type": ids.CITE_LINK, "record": "trotsky"}, "n": 1}) == (
        "select", "trotsky")
    assert event_of(ids.LINK_CLICK, {"id": {"type": ids.CLEAR, "scope": "source"}, "n": 2}) == ("clear", None)
    for junk in (None, "x", {"id": {"type": ids.PERIOD_BUTTON, "period": "p"}, "n": 1}, {"id": "trotsky", "n": 1},
                 {"id": {"type": ids.CITE_LINK, "record": "trotsky"}, "n": 0}):
        assert event_of(ids.LINK_CLICK, junk) == (None, None), junk


def _shown(sel, vocab, **changed):
    """The controls' values for `sel` (what the page shows once its answer landed), some of them changed since."""
    from dashboard.events import _controls

    values = dict(zip(CONTROL_IDS, _controls(sel, vocab, frozenset())))
    values.update({cid: v for cid, v in changed.items()})
    return tuple(values[c] for c in CONTROL_IDS)


def test_a_change_whose_request_was_dropped_is_not_lost(bundle):
    # Dash keeps only the newest request of a callback under way: a movement picked while a search was on its way,
    # then the search's answer dropped for the next request — the movement's control still shows it, and the next
    # answer applies it as well as its own trigger
    vocab = vocab_from_bundle(bundle)
    prev = from_query("?period=1930-1940", vocab)
    shown = _shown(prev, vocab, **{ids.MOVEMENTS: ["trotskyism"], ids.SEARCH: "purge"})
    out = sync_step(ids.SEARCH, "purge", "", prev.to_dict(), 1, True, vocab, frozenset(), shown)
    assert out.selection.q == "purge" and out.selection.movement_ids == ("trotskyism",)
    assert (out.selection.year_start, out.selection.year_end) == (1930, 1940)
    # the movements' control shows its value already: not written back
    assert out.controls[CONTROL_IDS.index(ids.MOVEMENTS)] is KEEP
    # a playback tick that replaced a user's change: the step is made and the change kept
    shown = _shown(prev, vocab, **{ids.MOVEMENTS: ["trotskyism"]})
    ticked = sync_step(ids.PLAY_TICK, 3, "", prev.to_dict(), 1, False, vocab, frozenset(), shown)
    assert ticked.selection.movement_ids == ("trotskyism",) and ticked.selection.year_start == 1931
    # a click on nothing that replaced it: the change still lands
    clicked = sync_step(ids.TIMELINE, None, "", prev.to_dict(), 1, True, vocab, frozenset(), shown)
    assert clicked.selection is not None and clicked.selection.movement_ids == ("trotskyism",)
    # nothing lost: a click on nothing is nothing
    same = _shown(prev, vocab)
    assert sync_step(ids.TIMELINE, None, "", prev.to_dict(), 1, True, vocab, frozenset(),
                     same).selection is None


def test_controls_that_show_the_stored_selection_are_not_applied_again(bundle):
    # Reset clears what the controls show (they show the stored selection: nothing was lost)
    vocab = vocab_from_bundle(bundle)
    prev = from_query("?period=1930-1940&movement=trotskyism&q=purge", vocab)
    out = sync_step(ids.RESET, 1, "", prev.to_dict(), 1, True, vocab, frozenset(), _shown(prev, vocab))
    assert not out.selection.movement_ids and not out.selection.q and not out.selection.has_period
    # the order of a dropdown's values or a search's spaces are not changes
    shown = _shown(prev, vocab, **{ids.SEARCH: " purge "})
    out = sync_step(ids.NETWORK, {"id": "trotsky"}, "", prev.to_dict(), 1, True, vocab, frozenset(), shown)
    assert out.selection.selected == "trotsky" and out.selection.q == "purge"
    # a request that carries no control (None) changes nothing
    out = sync_step(ids.NETWORK, {"id": "trotsky"}, "", prev.to_dict(), 1, True, vocab, frozenset(),
                    (None,) * len(CONTROL_IDS))
    assert out.selection.movement_ids == ("trotskyism",) and out.selection.q == "purge"


def test_every_named_period_survives_the_round_trip_to_the_browser(bundle):
    """What `sync` stores is what `draw` reads back from the store (one digest of both: no second drawing): every
    named period, clamped to the data's years as the slider is, and shown by the period menu when it is an era."""
    import json

    from dashboard.callbacks import views_key
    from dashboard.events import _controls
    from dashboard.selection import Selection, from_dict

    vocab = vocab_from_bundle(bundle)
    eras = frozenset(pid for pid, *_ in vocab.periods)
    for pid, *_ in vocab.periods:
        for trigger, value in ((ids.PERIOD_MENU, pid), ({"type": ids.PERIOD_BUTTON, "period": pid}, 1)):
            sel = sync_step(trigger, value, "", Selection().to_dict(), 1, True, vocab, eras).selection
            back = from_dict(json.loads(json.dumps(sel.to_dict())), vocab)
            assert back == sel and views_key(back, None) == views_key(sel, None), pid
            assert sel.year_end is None or vocab.year_min <= sel.year_start <= sel.year_end <= vocab.year_max
            if sel.has_period:
                assert _controls(sel, vocab, eras)[1] == pid, pid  # the menu shows the period picked

"""The view options added for legibility and dates: network mode, date mode, and the views' sizes from the browser."""

from __future__ import annotations

from dashboard.events import _zoom_span, event_of
from dashboard import ids
from dashboard.context import DEFAULT_SIZES, clean_sizes
from dashboard.selection import apply_event, from_query, to_query, vocab_from_bundle


def test_network_and_dates_round_trip_through_the_url(bundle):
    vocab = vocab_from_bundle(bundle)
    sel = from_query("?network=all&dates=text", vocab)
    assert (sel.network, sel.dates) == ("all", "text")
    assert "network=all" in to_query(sel) and "dates=text" in to_query(sel)
    default = from_query("?network=bogus&dates=<x>", vocab)
    assert (default.network, default.dates) == ("shown", "refined")
    assert to_query(default) == ""


def test_network_and_dates_controls_change_the_selection_and_survive_reset(bundle):
    vocab = vocab_from_bundle(bundle)
    sel = apply_event(from_query("", vocab), vocab, "network", "all")
    sel = apply_event(sel, vocab, "dates", "text")
    assert (sel.network, sel.dates) == ("all", "text")
    assert apply_event(sel, vocab, "network", "nonsense").network == "all"
    after = apply_event(sel, vocab, "reset", None)
    assert (after.network, after.dates) == ("all", "text")


def test_view_sizes_from_the_browser_are_checked():
    assert clean_sizes(None) == DEFAULT_SIZES
    sizes = clean_sizes({"timeline": [946, 300.4], "map": [1e9, 3], "network": "big", "other": [1, 2]})
    assert sizes["timeline"] == (946, 300)
    assert sizes["map"] == DEFAULT_SIZES["map"] and sizes["network"] == DEFAULT_SIZES["network"]
    assert set(sizes) == set(DEFAULT_SIZES)


def test_a_count_mark_zooms_the_period():
    assert event_of(ids.TIMELINE, {"points": [{"customdata": "zoom:1938-1936"}]}) == ("timeline_range", [1936, 1939])
    assert _zoom_span("zoom:99999-1") is None and _zoom_span("zoom:") is None and _zoom_span(5) is None


def test_every_view_option_round_trips_and_its_control_is_on_the_page(bundle, app):
    from dashboard.selection import VIEW_OPTIONS

    vocab = vocab_from_bundle(bundle)
    layout = str(app.layout)
    for o in VIEW_OPTIONS:
        for value in o.choices:
            sel = from_query(to_query(from_query(f"?{o.url}={o.encode(value)}", vocab)), vocab)
            assert getattr(sel, o.name) == value, (o.name, value)
        assert getattr(from_query(f"?{o.url}=<junk>", vocab), o.name) == o.default
        if o.control:
            assert f"'{o.control}'" in layout or f'"{o.control}"' in layout, o.control

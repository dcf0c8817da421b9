"""User events → the next Selection: what a click, a slider, a button or the playback timer means.

Belongs here: reading a Dash trigger (its component id and the value of the property that fired) into an event
that selection.apply_event understands, the playback state machine, and which controls must be written back.
Pure: never imports dash (the callbacks turn KEEP into dash.no_update).
Does not belong here: the filters themselves (selection.py) or drawing (views/*).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from dataclasses import dataclass

from dashboard import ids
from dashboard.selection import (VIEW_OPTIONS, Selection, Vocab, apply_event, clean_period, from_dict, from_query,
                                 play_start, play_step, to_query)

# A value the callback leaves as it is (dash.no_update).
KEEP = object()

# The view options shown by a control (selection.VIEW_OPTIONS): the trigger name is the option's name.
OPTION_CONTROLS = tuple((o.control, o.name) for o in VIEW_OPTIONS if o.control)
# Which control a trigger came from → the event name selection.apply_event understands.
_EVENTS = MappingProxyType({
    ids.PERIOD_SLIDER: "period_slider", ids.PERIOD_MENU: "period_button", ids.MOVEMENTS: "movements",
    ids.TYPES: "types", ids.SEARCH: "search", ids.RESET: "reset", ids.BG_CLICK: "clear",
    **dict(OPTION_CONTROLS),
})
# Years shown around a clicked cell of the timeline's per-year counts.
_ZOOM_BEFORE, _ZOOM_AFTER = 2, 2


def _first_customdata(click) -> object:
    try:
        value = click["points"][0]["customdata"]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


# customdata of a mark that zooms the period when clicked: "zoom:1936-1938" (first and last year, inclusive)
ZOOM_PREFIX = "zoom:"


def _zoom_span(value) -> list[int] | None:
    """[start, end + 1] on the year axis for a "zoom:START-END" customdata, else None."""
    if not isinstance(value, str) or not value.startswith(ZOOM_PREFIX):
        return None
    a, _, b = value[len(ZOOM_PREFIX):].partition("-")
    if not (a.isdigit() and b.isdigit() and len(a) <= 4 and len(b) <= 4):
        return None
    s, e = sorted((int(a), int(b)))
    return [s, e + 1]


def _relayout_range(relayout) -> object:
    if not isinstance(relayout, dict):
        return None
    if relayout.get("xaxis.autorange"):
        return "autorange"
    if "xaxis.range[0]" in relayout and "xaxis.range[1]" in relayout:
        return [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]]
    if isinstance(relayout.get("xaxis.range"), list):
        return relayout["xaxis.range"]
    return None


def event_of(trigger, value) -> tuple[str | None, object]:
    """(event name, value) for a Dash trigger id and the triggering property's value."""
    if isinstance(trigger, dict):
        if trigger.get("type") == ids.PERIOD_BUTTON:
            return ("period_button", trigger.get("period")) if value else (None, None)
        if trigger.get("type") == ids.CITE_LINK:
            return ("select", trigger.get("record")) if value else (None, None)
        if trigger.get("type") == ids.CLEAR:
            return ("clear", None) if value else (None, None)
        return None, None
    if trigger in (ids.TIMELINE, ids.MAP, ids.DEBATES) and isinstance(value, dict) and "points" in value:
        picked = _first_customdata(value)
        if isinstance(picked, int):  # a cell of the timeline's per-year counts: zoom in around its year
            return "timeline_range", [picked - _ZOOM_BEFORE, picked + _ZOOM_AFTER + 1]
        zoom = _zoom_span(picked)
        if zoom is not None:  # a "+7" count of unlabelled marks: zoom to where they are
            return "timeline_range", zoom
        return "select", picked
    if trigger in (ids.TIMELINE, ids.TIMELINE_ZOOM):  # the timeline's relayoutData
        rng = _relayout_range(value)
        return ("timeline_range", rng) if rng is not None else (None, None)
    if trigger == ids.NETWORK:
        return "select", value.get("id") if isinstance(value, dict) else None
    if trigger == ids.LINK_CLICK:  # {"id": the clicked link's or clear button's id, "n": its n_clicks}
        link = value.get("id") if isinstance(value, dict) else None
        if isinstance(link, dict) and link.get("type") in (ids.CITE_LINK, ids.CLEAR):
            return event_of(link, value.get("n"))
        return None, None
    if trigger == ids.TABLE_CLICK:  # the grid's cellClicked (a click, or Enter on a focused cell): its row's id
        return "select", value.get("rowId") if isinstance(value, dict) else None
    if trigger == ids.THEME:
        return ("toggle_theme", None) if value else (None, None)
    if trigger in (ids.PRESENT, ids.PRESENT_EXIT):
        return ("present", trigger == ids.PRESENT) if value else (None, None)
    return _EVENTS.get(trigger), value


# The controls _controls() writes back, in its order: the filters', then one per view option with a control.
FILTER_CONTROL_IDS = (ids.PERIOD_SLIDER, ids.PERIOD_MENU, ids.MOVEMENTS, ids.TYPES, ids.SEARCH)
CONTROL_IDS = FILTER_CONTROL_IDS + tuple(c for c, _ in OPTION_CONTROLS)


def _controls(sel: Selection, vocab: Vocab, era_ids: frozenset) -> tuple:
    v = vocab
    period = [sel.year_start, sel.year_end] if sel.has_period else [v.year_min, v.year_max]
    # (a named period's span within the data's years, as picking it sets the period: selection.apply_event)
    era = next((pid for pid, _, s, e in v.periods if clean_period(s, e, v) == (sel.year_start, sel.year_end)
                and pid in era_ids), None)
    return (period, era, list(sel.movement_ids), list(sel.types), sel.q,
            *(getattr(sel, name) for _, name in OPTION_CONTROLS))



def opening_props(search: Any, vocab: Vocab, era_ids: frozenset) -> dict | None:
    """The props the page opens with at the URL query `search` (as window.location.search gives it): the stored
    selection and every control's value, {component id: {prop: value}}, so that the page's first requests are the
    views' and the panels' own instead of a round trip to read the URL. None when the query is not written as the
    page writes it (a link typed by hand, an unknown value): the page then opens at the default selection and the
    first answer reads and rewrites the URL, as before."""
    search = search if isinstance(search, str) else ""
    sel = from_query(search, vocab)
    if to_query(sel) != search:
        return None
    props: dict = {ids.SELECTION: {"data": sel.to_dict()}}
    for cid, value in zip(CONTROL_IDS, _controls(sel, vocab, era_ids)):
        props[cid] = {"value": value}
    return props


@dataclass(frozen=True)
class Step:
    """What one event changes: the Selection (None: nothing), the controls to write back (KEEP where unchanged)
    and the playback timer's `disabled` (KEEP when unchanged; the button's label follows it in the browser)."""

    selection: Selection | None
    controls: tuple = ()
    timer_disabled: Any = KEEP


def _lost_changes(sel: Selection, shown_controls: tuple | None, before: tuple, trigger, vocab: Vocab) -> Selection:
    """`sel` with the change of every control (other than the trigger) that shows a value the stored selection does
    not: Dash's renderer keeps only the newest request of a callback under way and drops the answer of the older
    one, so a change made while another was on its way (a movement picked, then a search; a node clicked during
    playback, then a tick) would otherwise be lost while its control still shows it."""
    if shown_controls is None:
        return sel
    for control, now, was in zip(CONTROL_IDS, shown_controls, before):
        if control == trigger or now is None or now == was:  # (None: a control the request does not carry)
            continue
        event, value = event_of(control, now)
        if event is not None:
            sel = apply_event(sel, vocab, event, value)
    return sel


def user_first(triggered: list[tuple]) -> tuple:
    """(component id, value) of the trigger to act on when several fired at once: a request that waited for the one
    before it carries every change made meanwhile, and a user's change must not be lost to a playback tick. The
    first that is not a playback step, else the first; (None, None) for none."""
    for cid, value in triggered:
        if cid != ids.PLAY_TICK:
            return cid, value
    return triggered[0] if triggered else (None, None)


def sync_step(trigger, value, search, previous, step, paused, vocab: Vocab, era_ids: frozenset,
              shown_controls: tuple | None = None) -> Step:
    """The next state after one trigger. `previous` is the stored selection (untrusted), `step` the playback step,
    `paused` whether the playback timer is disabled. A click on Play / Pause arrives as PLAY_REQUEST's
    {"play": bool}: a pause was already made in the browser (assets/playback.js), a start begins here.
    `shown_controls`: the values the controls show (CONTROL_IDS' order, as the request carries them), for the
    changes a dropped request carried (_lost_changes)."""
    timer, meaningless = KEEP, False
    if not (isinstance(shown_controls, (tuple, list)) and len(shown_controls) == len(CONTROL_IDS)):
        shown_controls = None  # (not carried, or not as the request carries it: the stored selection alone)
    base = None if previous is None else from_dict(previous, vocab)
    before = _controls(base if base is not None else from_dict(None, vocab), vocab, era_ids)
    if trigger is None or trigger == ids.URL or base is None:
        sel = from_query(search, vocab)
    elif trigger == ids.PLAY_REQUEST:
        if not (isinstance(value, dict) and value.get("play") is True):
            return Step(None)  # a pause: the timer has stopped; this request only outran a tick on its way
        sel, timer = play_start(base, vocab, step), False
    elif trigger == ids.PLAY_TICK:
        if paused is not False:
            return Step(None)
        sel, at_end = play_step(base, vocab, step)
        timer = True if at_end else KEEP
    else:
        event, value = event_of(trigger, value)
        meaningless = event is None  # (a click on no mark)
        sel = base if meaningless else apply_event(base, vocab, event, value)
    if base is not None and trigger != ids.URL:
        sel = _lost_changes(sel, shown_controls, before, trigger, vocab)
        if meaningless and sel == base:
            return Step(None)  # nothing to do: nothing lost to apply either
    # controls already showing their value are left alone: re-rendering them costs the browser time (the control
    # that fired is always answered: its raw value may need cleaning). Before the first answer (no stored
    # selection) they show the page's own values, those of the default selection (layout.py; tested): on a first
    # visit only the controls the URL changes are written.
    if shown_controls is not None:
        # what they show, where the request carries it (a change made since the stored selection, kept above)
        before = tuple(was if now is None else now for now, was in zip(shown_controls, before))
    controls = tuple(KEEP if now == was and trigger != control else now
                     for now, was, control in zip(_controls(sel, vocab, era_ids), before, CONTROL_IDS))
    return Step(sel, controls, timer)

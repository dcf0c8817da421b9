"""Colour and contrast: the checks themselves (tools.accessibility), then the two palettes' text, the movement
colours, the route colours and the relation-edge colours.

Known failures are listed by name with the value measured when they were listed, and marked
xfail(strict=True): a new bad colour fails, and fixing a listed one fails too ("XPASS(strict)") until it is
taken off the list, so the lists stay true.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest
import yaml

from dashboard import paths
from tools.accessibility import (CVD_KINDS, ciede2000, contrast_ratio, delta_e, min_pairwise_distance,
                                     pairs_below, palette_report, simulate, to_lab)
from dashboard.theme import EDGE_STYLES, PALETTES, VIOLENT
from dashboard.views.map import ROUTE_COLORS, ROUTE_COLORS_DARK, ROUTE_PALETTES

# ---------------------------------------------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------------------------------------------

# WCAG 2.x contrast ratios: 7:1 is AAA for body text (1.4.6), 4.5:1 AA for body text (1.4.3), 3:1 AA for
# graphical objects needed to read a chart, such as marks and the selection outline (1.4.11).
INK_CONTRAST = 7.0
MUTED_CONTRAST = 4.5
MARK_CONTRAST = 3.0

# CIEDE2000 differences. ΔE00 ≈ 1 is a just-noticeable difference between large patches side by side; the marks
# here are ~10 px symbols and 2–7 px lines seen apart from each other, and the difference needed to tell colours
# apart grows as marks shrink (Stone, Szafir & Setlur 2014, "An engineering model for color difference as a
# function of size"). For scale (test_thresholds_separate_safe_palettes_from_unsafe_ones): the colour-blind-safe
# palettes movements.yaml cites keep every pair ≥ 15 apart with normal vision and ≥ 11 under simulated
# deuteranopia and protanopia; matplotlib's tab10, which is not colour-blind safe, falls to 1.4.
MIN_DE_NORMAL = 10.0
# Dichromats, simulated at full severity (the worst case; anomalous trichromats, the larger group, see more):
# a modest bar, because thirteen hues cannot stay 11 apart in the two dimensions a dichromat sees, movements also
# differ by lane on the timeline, and the source panel names the movement of any clicked mark. Routes are named
# in the map legend and on hover.
MIN_DE_DICHROMAT = 6.0
# Relation edges: the red of violent ties (expelled, exiled, executed, killed, persecuted) is the one colour the
# network's reading depends on, on lines 0.8–1.8 px wide, so it must stay MIN_DE_EDGE from every other edge
# colour under every kind of vision. Dash style helps only against opposed / criticized (dashed) and split_from
# (dotted): the other ties are solid like the violent ones, and differ from them by colour and width only.
MIN_DE_EDGE = 10.0

VISIONS = (None, "deuteranopia", "protanopia")  # tritanopia (~0.01 % of people) is reported, not tested


def _vision(kind):
    return kind or "normal"


def _xfail(known: dict, key, what: str):
    """pytest marks for a parameter: strict xfail if `key` is a known failure."""
    if key not in known:
        return ()
    return (pytest.mark.xfail(strict=True, reason=f"known: {what} {known[key]} when listed"),)


# ---------------------------------------------------------------------------------------------------------------
# The checks themselves
# ---------------------------------------------------------------------------------------------------------------

def test_contrast_ratio_known_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # the classic just-fails grey
    assert contrast_ratio("#FFFFFF", "#0B5CAD") == pytest.approx(contrast_ratio("#0B5CAD", "#FFFFFF"))
    assert contrast_ratio("#fff", "black") == pytest.approx(21.0)
    assert contrast_ratio("rgb(0, 0, 0)", "#FFF") == pytest.approx(21.0)


def test_translucent_colours_are_composited_over_the_background():
    assert contrast_ratio("rgba(0,0,0,0.4)", "#FFFFFF") == pytest.approx(contrast_ratio("#999999", "#FFFFFF"))
    assert contrast_ratio("rgba(0,0,0,0)", "#14181D") == pytest.approx(1.0)
    # the same translucent ink reads differently on white and on black
    assert contrast_ratio("rgba(255,255,255,0.6)", "#000000") > contrast_ratio("rgba(255,255,255,0.6)", "#FFFFFF")


@pytest.mark.parametrize("bad", ["", "red", "#12345", "rgba(0,0,0)x", "rgb(300,0,0)", "rgba(0,0,0,2)", None])
def test_unreadable_colours_are_refused(bad):
    with pytest.raises(ValueError):
        contrast_ratio(bad, "#FFFFFF")


# Sharma, Wu & Dalal (2005), the CIEDE2000 test data: (Lab 1, Lab 2, ΔE00); the last two straddle the mean-hue
# discontinuity that careless implementations get wrong.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
    ((50.0, -0.0010, 2.4900), (50.0, 0.0009, -2.4900), 4.8045),
    ((50.0, -0.0010, 2.4900), (50.0, 0.0012, -2.4900), 4.7461),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_matches_sharma_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_lab_of_white_and_red():
    assert to_lab("#FFFFFF") == pytest.approx([100.0, 0.0, 0.0], abs=0.01)
    assert to_lab("#FF0000") == pytest.approx([53.24, 80.09, 67.20], abs=0.05)


@pytest.mark.parametrize("kind", CVD_KINDS)
def test_simulation_keeps_greys_and_confuses_the_right_colours(kind):
    for grey in ("#000000", "#777777", "#FFFFFF"):
        assert delta_e(simulate(grey, kind), grey) < 1.5  # Machado's matrices leave neutrals (nearly) alone
    # red and green are told apart with normal vision, hardly by red-green dichromats; blue and yellow the reverse
    red_green = delta_e("#D55E00", "#009E73", kind) / delta_e("#D55E00", "#009E73")
    blue_yellow = delta_e("#0072B2", "#F0E442", kind) / delta_e("#0072B2", "#F0E442")
    if kind == "tritanopia":
        assert blue_yellow < red_green
    else:
        assert red_green < blue_yellow


def test_simulation_refuses_unknown_kinds():
    assert simulate("#D55E00", None) == simulate("#D55E00", "normal") == "#D55E00"
    with pytest.raises(ValueError):
        simulate("#D55E00", "achromatopsia")


def test_min_pairwise_distance():
    assert min_pairwise_distance(["#D55E00"]) == math.inf
    assert min_pairwise_distance({"a": "#0072B2", "b": "#0072b2"}) == pytest.approx(0.0)
    assert min_pairwise_distance(["#000000", "#FFFFFF"]) == pytest.approx(100.0, abs=0.01)
    closest = pairs_below({"orange": "#ff7f0e", "green": "#2ca02c", "blue": "#1f77b4"}, 5, "protanopia")
    assert [(p.a, p.b) for p in closest] == [("orange", "green")]


OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
TOL_BRIGHT = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"]
TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
         "#17becf"]


def test_thresholds_separate_safe_palettes_from_unsafe_ones():
    """The thresholds mean something: published colour-blind-safe palettes pass them, tab10 does not."""
    for safe in (OKABE_ITO, TOL_BRIGHT):
        assert min_pairwise_distance(safe) >= MIN_DE_NORMAL
        for kind in ("deuteranopia", "protanopia"):
            assert min_pairwise_distance(safe, kind) >= MIN_DE_DICHROMAT
    assert min_pairwise_distance(TAB10) >= MIN_DE_NORMAL
    assert min_pairwise_distance(TAB10, "deuteranopia") < MIN_DE_DICHROMAT
    assert min_pairwise_distance(TAB10, "protanopia") < MIN_DE_DICHROMAT


def test_palette_report_names_every_colour_and_the_closest_pairs():
    text = palette_report({"a": "#D55E00", "b": "#0072B2"}, {"paper": "#FFFFFF"})
    assert "a " in text and "#0072B2" in text and "3.87:1" in text
    assert "closest pair (deuteranopia): a / b" in text


# ---------------------------------------------------------------------------------------------------------------
# The palettes' neutral colours
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("palette", PALETTES.values(), ids=list(PALETTES))
def test_palette_text_contrast(palette):
    p = palette
    assert contrast_ratio(p.ink, p.paper) >= INK_CONTRAST
    assert contrast_ratio(p.muted, p.paper) >= MUTED_CONTRAST
    assert contrast_ratio(p.highlight, p.paper) >= MARK_CONTRAST
    # text also sits on the darker period band of the timeline and on the land of the map (place labels)
    band = p.band_fills[1]
    assert contrast_ratio(p.muted, _over(band, p.paper)) >= MUTED_CONTRAST
    assert contrast_ratio(p.ink, p.land) >= INK_CONTRAST
    assert contrast_ratio(p.muted, p.land) >= MUTED_CONTRAST


@pytest.mark.parametrize("palette", PALETTES.values(), ids=list(PALETTES))
def test_palette_marks_contrast(palette):
    """The grey of records tied to no movement is a mark colour; the selection outline must show on a mark too."""
    p = palette
    assert contrast_ratio(p.no_movement, p.paper) >= MARK_CONTRAST
    assert contrast_ratio(p.highlight, p.land) >= MARK_CONTRAST


def _over(color: str, bg: str) -> str:
    return simulate(color, None, bg)


# ---------------------------------------------------------------------------------------------------------------
# Movement colours
# ---------------------------------------------------------------------------------------------------------------

# Read from the data file at collection time (to name each test); test_checked_colours_are_the_drawn_ones makes
# sure they are the colours of the movements frame every view draws with.
MOVEMENT_COLORS = {m["movement_id"]: m["color"]
                   for m in yaml.safe_load((paths.DATA_DIR / "movements.yaml").read_text(encoding="utf-8"))}
NO_MOVEMENT_KEY = "no_movement"


def test_checked_colours_are_the_drawn_ones(bundle):
    # The families carry the colours; a movement inside a family (family_id set, in any movements.yaml) is drawn
    # in its family's colour.
    mv = bundle.movements
    families = mv[mv["family_id"] == mv["movement_id"]]
    assert dict(zip(families["movement_id"], families["color"])) == MOVEMENT_COLORS
    colour = dict(zip(families["movement_id"], families["color"]))
    assert (mv["color"] == mv["family_id"].map(colour)).all()


# Movement colours below 3:1 against the paper (value measured when listed).
KNOWN_LOW_CONTRAST_MOVEMENTS = {}  # none today; add (key): measured value to mark a known failure


def _outline_contrast(palette) -> float:
    """Contrast of the thin outline drawn round every mark (timeline events 0.6 px, map sites 0.8 px, network
    nodes 1 px: palette.mark_line) against the paper. WCAG 1.4.11 accepts a pale fill inside an outline of
    ≥ 3:1, but mark_line is the paper colour in both themes (its job is to separate overlapping marks), so today
    it carries no contrast and the fill must. The range bars behind timeline events (at 45 % opacity, the extent of
    an event already marked at its middle) and the swatches beside movement names in the filter are not outlined;
    they are secondary to the outlined marks and the names."""
    return contrast_ratio(palette.mark_line, palette.paper)


@pytest.mark.parametrize("palette_name, movement_id", [
    pytest.param(pn, m, marks=_xfail(KNOWN_LOW_CONTRAST_MOVEMENTS, (pn, m), "contrast against the paper"),
                 id=f"{pn}-{m}")
    for pn in PALETTES for m in MOVEMENT_COLORS])
def test_movement_colour_contrast(palette_name, movement_id):
    p = PALETTES[palette_name]
    fill = contrast_ratio(MOVEMENT_COLORS[movement_id], p.paper)
    assert fill >= MARK_CONTRAST or _outline_contrast(p) >= MARK_CONTRAST, (
        f"{movement_id} {MOVEMENT_COLORS[movement_id]} on {p.paper}: {fill:.2f}:1, "
        f"outline {_outline_contrast(p):.2f}:1")


def _movement_colours_with_grey() -> dict[str, str]:
    greys = {p.no_movement for p in PALETTES.values()}
    extra = {NO_MOVEMENT_KEY: next(iter(greys))} if len(greys) == 1 else \
        {f"{NO_MOVEMENT_KEY}_{p.name}": p.no_movement for p in PALETTES.values()}
    return {**MOVEMENT_COLORS, **extra}


# Pairs of movement colours (and the no-movement grey) closer than the threshold (ΔE00 measured when listed).
KNOWN_CLOSE_MOVEMENTS = {}  # none today; add (key): measured value to mark a known failure


def _pair_params(colors: dict[str, str], known: dict, threshold_of, key_of):
    params = []
    for kind in VISIONS:
        for a, b in itertools.combinations(colors, 2):
            key = key_of(kind, a, b)
            params.append(pytest.param(kind, a, b, colors[a], colors[b], threshold_of(kind),
                                       marks=_xfail(known, key, f"ΔE00 ({_vision(kind)})"),
                                       id=f"{_vision(kind)}-{a}~{b}"))
    return params


@pytest.mark.parametrize("kind, a, b, color_a, color_b, threshold", _pair_params(
    _movement_colours_with_grey(), KNOWN_CLOSE_MOVEMENTS,
    lambda kind: MIN_DE_NORMAL if kind is None else MIN_DE_DICHROMAT,
    lambda kind, a, b: (kind, frozenset({a, b}))))
def test_movement_colours_distinct(kind, a, b, color_a, color_b, threshold):
    de = delta_e(color_a, color_b, kind)
    assert de >= threshold, f"{a} {color_a} and {b} {color_b}: ΔE00 {de:.1f} ({_vision(kind)}) < {threshold}"


# ---------------------------------------------------------------------------------------------------------------
# Route colours (the map: lines with an arrowhead, no outline, drawn over land and sea)
# ---------------------------------------------------------------------------------------------------------------

# Route colours below 3:1 against the land or the sea of the map (the lower of the two, measured when listed).
KNOWN_LOW_CONTRAST_ROUTES = {}  # none today; add (key): measured value to mark a known failure


@pytest.mark.parametrize("palette_name, color", [
    pytest.param(pn, c, marks=_xfail(KNOWN_LOW_CONTRAST_ROUTES, (pn, c), "contrast against land / sea"),
                 id=f"{pn}-{c}")
    for pn in PALETTES for c in ROUTE_PALETTES[pn]])
def test_route_colour_contrast(palette_name, color):
    p = PALETTES[palette_name]
    worst = min(contrast_ratio(color, p.land), contrast_ratio(color, p.ocean))
    assert worst >= MARK_CONTRAST, f"route {color} on land {p.land} / sea {p.ocean}: {worst:.2f}:1"


def test_route_colours_are_unique():
    for colors in ROUTE_PALETTES.values():
        assert len({c.upper() for c in colors}) == len(colors) == len(ROUTE_COLORS)


KNOWN_CLOSE_ROUTES = {}  # none today; add (key): measured value to mark a known failure


@pytest.mark.parametrize("kind, a, b, color_a, color_b, threshold", [  # within each theme's list: one map at a time
    param for colors in (ROUTE_COLORS, ROUTE_COLORS_DARK) for param in _pair_params(
        {c: c for c in colors}, KNOWN_CLOSE_ROUTES,
        lambda kind: MIN_DE_NORMAL if kind is None else MIN_DE_DICHROMAT,
        lambda kind, a, b: (kind, frozenset({a, b})))])
def test_route_colours_distinct(kind, a, b, color_a, color_b, threshold):
    de = delta_e(color_a, color_b, kind)
    assert de >= threshold, f"routes {a} and {b}: ΔE00 {de:.1f} ({_vision(kind)}) < {threshold}"


# ---------------------------------------------------------------------------------------------------------------
# Relation edges (the network)
# ---------------------------------------------------------------------------------------------------------------

def _edge_colours(types) -> dict[str, str]:
    """colour → the relation types drawn in it, e.g. {'#C0392B': 'expelled/exiled/persecuted'}."""
    out: dict[str, list[str]] = {}
    for t in types:
        out.setdefault(EDGE_STYLES[t][1].upper(), []).append(t)
    return {c: "/".join(ts) for c, ts in out.items()}


VIOLENT_COLOURS = _edge_colours([t for t in EDGE_STYLES if t in VIOLENT])
OTHER_COLOURS = _edge_colours([t for t in EDGE_STYLES if t not in VIOLENT])

KNOWN_CLOSE_EDGES = {}  # none today; add (key): measured value to mark a known failure


def test_violent_ties_have_their_own_colours():
    assert VIOLENT_COLOURS and OTHER_COLOURS
    assert not set(VIOLENT_COLOURS) & set(OTHER_COLOURS)


@pytest.mark.parametrize("kind, violent, other", [
    pytest.param(kind, v, o, marks=_xfail(KNOWN_CLOSE_EDGES, (kind, v, o), f"ΔE00 ({_vision(kind)})"),
                 id=f"{_vision(kind)}-{VIOLENT_COLOURS[v]}~{OTHER_COLOURS[o]}")
    for kind in VISIONS for v in VIOLENT_COLOURS for o in OTHER_COLOURS])
def test_violent_edges_distinct_from_the_others(kind, violent, other):
    de = delta_e(violent, other, kind)
    styles = {EDGE_STYLES[t][0] for t in OTHER_COLOURS[other].split("/")}
    assert de >= MIN_DE_EDGE, (f"{VIOLENT_COLOURS[violent]} {violent} and {OTHER_COLOURS[other]} {other} "
                               f"({'/'.join(sorted(styles))}): ΔE00 {de:.1f} ({_vision(kind)}) < {MIN_DE_EDGE}")


# Edge colours below 3:1 against the paper the network is drawn on (measured when listed).
KNOWN_LOW_CONTRAST_EDGES = {}  # none today; add (key): measured value to mark a known failure


@pytest.mark.parametrize("palette_name, color", [
    pytest.param(pn, c, marks=_xfail(KNOWN_LOW_CONTRAST_EDGES, (pn, c), "contrast against the paper"),
                 id=f"{pn}-{names}")
    for pn in PALETTES for c, names in {**VIOLENT_COLOURS, **OTHER_COLOURS}.items()])
def test_edge_colour_contrast(palette_name, color):
    p = PALETTES[palette_name]
    ratio = contrast_ratio(color, p.paper)
    assert ratio >= MARK_CONTRAST, f"edge {color} on {p.paper}: {ratio:.2f}:1"


# ---------------------------------------------------------------------------------------------------------------
# The page around the figures: assets/app.css
# ---------------------------------------------------------------------------------------------------------------

CSS = (paths.REPO / "assets" / "app.css").read_text(encoding="utf-8")
LIGHT_SELECTOR = ":root"
DARK_SELECTOR = ".app.theme-dark, :root:has(.app.theme-dark)"
# Dash 4.4's own defaults (its :root block), in force in the light theme where app.css does not set them.
DASH_DEFAULTS = {
    "--Dash-Fill-Inverse-Strong": "#fff",
    "--Dash-Text-Strong": "rgba(0, 9, 38, 0.9)",
    "--Dash-Text-Weak": "rgba(0, 12, 51, 0.65)",
    "--Dash-Text-Disabled": "rgba(0, 21, 89, 0.6)",
    "--Dash-Stroke-Strong": "rgba(0, 18, 77, 0.45)",
    "--Dash-Fill-Interactive-Strong": "#7f4bc4",
}


def _css_block(selector: str) -> dict[str, str]:
    text = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    m = re.search(r"(?:^|\})\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", text)
    assert m, f"no `{selector} {{…}}` block in assets/app.css"
    return {k: v.strip() for k, v in re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", m.group(1))}


THEME_VARS = {"light": {**DASH_DEFAULTS, **_css_block(LIGHT_SELECTOR)}}
THEME_VARS["dark"] = {**THEME_VARS["light"], **_css_block(DARK_SELECTOR)}

# (foreground, background, minimum): every text colour on every background it is drawn on, then the rings and
# borders that must show (WCAG 1.4.11, 3:1).
CSS_PAIRS = [
    *[("--ink", bg, MUTED_CONTRAST) for bg in ("--panel", "--bg", "--button-bg", "--button-bg-strong",
                                                 "--passage-bg", "--outside-bg", "--mark")],
    *[("--muted", bg, MUTED_CONTRAST) for bg in ("--panel", "--bg", "--button-bg", "--button-bg-strong",
                                                   "--outside-bg")],
    ("--context", "--passage-bg", MUTED_CONTRAST),
    ("--accent", "--panel", MUTED_CONTRAST),
    ("--Dash-Text-Strong", "--Dash-Fill-Inverse-Strong", MUTED_CONTRAST),
    ("--Dash-Text-Weak", "--Dash-Fill-Inverse-Strong", MUTED_CONTRAST),
    ("--Dash-Text-Disabled", "--Dash-Fill-Inverse-Strong", MUTED_CONTRAST),  # placeholders
    ("--Dash-Text-Disabled", "--panel", MUTED_CONTRAST),  # slider years outside the period
    ("--focus", "--panel", MARK_CONTRAST),
    ("--focus", "--bg", MARK_CONTRAST),
    ("--focus", "--Dash-Fill-Inverse-Strong", MARK_CONTRAST),
    ("--field-line", "--panel", MARK_CONTRAST),
    ("--Dash-Stroke-Strong", "--panel", MARK_CONTRAST),
    ("--Dash-Fill-Interactive-Strong", "--panel", MARK_CONTRAST),  # slider range and handles
]


@pytest.mark.parametrize("theme", list(THEME_VARS))
def test_css_neutrals_match_the_palette(theme):
    v, p = THEME_VARS[theme], PALETTES[theme]
    assert (v["--ink"].upper(), v["--muted"].upper(), v["--panel"].upper()) == \
        (p.ink.upper(), p.muted.upper(), p.paper.upper())


@pytest.mark.parametrize("theme, fg, bg, minimum", [
    pytest.param(t, fg, bg, m, id=f"{t}-{fg}-on-{bg}") for t in THEME_VARS for fg, bg, m in CSS_PAIRS])
def test_css_text_contrast(theme, fg, bg, minimum):
    v = THEME_VARS[theme]
    back = _over(v[bg], v["--panel"])  # a translucent background sits on a panel
    ratio = contrast_ratio(v[fg], back)
    assert ratio >= minimum, f"{theme}: {fg} {v[fg]} on {bg} {v[bg]}: {ratio:.2f}:1 < {minimum}"


def test_css_has_the_classes_the_app_uses():
    for selector in (".app.theme-dark", ".app.present", ".present-exit", ".sr-only", ":focus-visible",
                     "prefers-reduced-motion"):
        assert selector in CSS

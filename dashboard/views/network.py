"""Faction network view: actors as nodes (colour = movement family, shape = actor type, size = ties), relations as
typed edges (allied solid, opposed dashed, violent acts red with arrows, membership thin).

One model, two renderings. network_model(...) decides what is drawn and how: which actors the filters show
(selection.shown's actor and tie masks; with `network=all` everyone, the others faded), each mark's state
(selected, related, dim, faded), the viewport that fits the visible actors in a panel of a given size, and the
labels placed in px so that none overlaps another, a node or the frame. network_elements(model) renders it for
dash-cytoscape (with network_stylesheet and viewport(model) for the page's zoom and pan); network_figure(model,
palette) renders it as a plain Plotly figure dict (what a slide places on its canvas). Both read the one table of
opacities and sizes below. Positions come from network_positions(bundle): computed once, they never move.
Pure: never imports dash.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from dashboard.formatting import esc
from dashboard.selection import Selection, Shown, open_mask, shown_mask
from dashboard.theme import ACTOR_SHAPES, DIM_OPACITY, EDGE_STYLES, FONT_FAMILY, LIGHT, Palette

# Layout canvas in cytoscape model units (the fitted zoom turns them into px).
CANVAS = 360.0
ASPECT = 1.7
_ITERATIONS = 400
_SEED = 7
# Above this many nodes the force layout (O(n²) per iteration) is skipped for seeded movement clusters.
MAX_FORCE_NODES = 600
# Above this many nodes, only the most connected are drawn: a denser graph is a hairball nobody can read or click.
MAX_NETWORK_NODES = 350

# -- the one table of looks: both renderings read these -----------------------------------------------------------
# The page's network panel at 1920×1080, in px (the size a model is made for unless told otherwise).
PANEL_SIZE = (768, 419)
# Mark states, as codes while a model is computed: a node is normal, dim, faded, related or selected; a tie also
# undated (the codes order the states: related and selected are >= _RELATED).
_NORMAL, _DIM, _FADED, _UNDATED, _RELATED, _SELECTED = range(6)
NODE_STATES = ("normal", "dim", "faded", "undated", "related", "selected")
EDGE_STATES = NODE_STATES
# Opacity of a node by state: faded = not shown by the filters (drawn only with network=all), dim = unrelated to the
# selected record.
FADED_OPACITY = 0.12
NODE_OPACITY = MappingProxyType({"normal": 1.0, "selected": 1.0, "related": 1.0, "dim": DIM_OPACITY,
                                 "faded": FADED_OPACITY})
# Opacity of a tie by state (undated: a tie the texts give no date for, drawn paler).
EDGE_OPACITY = MappingProxyType({"normal": 0.85, "undated": 0.5, "selected": 1.0, "related": 1.0, "dim": 0.14,
                                 "faded": FADED_OPACITY})
# Node outline width in px by state.
NODE_BORDER_PX = MappingProxyType({"normal": 1.0, "dim": 1.0, "faded": 1.0, "related": 2.0, "selected": 3.5})
# px of line per unit of theme.EDGE_STYLES' width; related and selected ties are at least this wide (px).
EDGE_WIDTH_PX = 0.6
RELATED_EDGE_PX = 2.0
SELECTED_EDGE_PX = 3.5
# Label type size in px: at least 11 on screen, 14 in presentation mode; the selected actor's a little bigger.
LABEL_PX = 11.5  # placed at 11.5 px so that it reads at 11 px or more when the browser's viewport differs by a few px
PRESENT_LABEL_PX = 14.5
SELECTED_LABEL_EXTRA_PX = 1.0
LINE_HEIGHT = 1.25  # em
LABEL_GAP_PX = 3.0  # between a node's edge and its label
HALO_PX = 2.0  # text outline in the paper's colour
# Cytoscape reports a label's box as its text grown by the outline and by 2 model units ("margin of error"): the
# model's label box is that box, so that boxes kept apart here stay apart in the browser.
CY_LABEL_SLACK_UNITS = 2.0
# Marks grow a little in presentation mode (a projector washes them out).
PRESENT_MARK_SCALE = 1.25
# Names wider than this many em are set on two lines.
WRAP_EM = 9.0
# Room kept between the outermost node's edge and the panel's frame (px), and the largest zoom a fit may use (a
# lone actor is not blown up to fill the panel).
FIT_PAD_PX = 10.0
MAX_FIT_ZOOM = 3.0
# At most one label per this many px² of panel for actors labelled for their ties (the selected actor and its
# neighbours are always tried): more is a wall of text.
LABEL_AREA_PX2 = 17000
# Actors labelled for their ties are tried at most this many times the labels wanted (a dense graph gives up early).
TRIES_PER_LABEL = 3
# Label sides, in the order tried (beside the node first, then at its corners), each as (horizontal, vertical)
# alignment in cytoscape's terms (text-halign, text-valign: where the label sits relative to the node).
SIDES = ("below", "right", "left", "above", "below-right", "below-left", "above-right", "above-left")
# A label goes inside its node ("inside") when it fits in this share of the node's diameter.
INSIDE_SHARE = 1.0
_ALIGN = MappingProxyType({"inside": ("center", "center"), "below": ("center", "bottom"),
                           "right": ("right", "center"), "left": ("left", "center"),
                           "above": ("center", "top"), "below-right": ("right", "bottom"),
                           "below-left": ("left", "bottom"), "above-right": ("right", "top"),
                           "above-left": ("left", "top")})
# How the lines of a two-line label line up: flush towards the node.
_JUSTIFY = MappingProxyType({"center": "center", "right": "left", "left": "right"})
# Cytoscape node shapes (theme.ACTOR_SHAPES) → Plotly marker symbols; cytoscape line styles → Plotly dashes.
PLOTLY_SYMBOLS = MappingProxyType({"ellipse": "circle", "diamond": "diamond", "round-rectangle": "square",
                                   "hexagon": "hexagon", "round-triangle": "triangle-up", "tag": "pentagon"})
PLOTLY_DASH = MappingProxyType({"solid": "solid", "dashed": "dash", "dotted": "dot"})

# Advance widths (em) of printable ASCII in DejaVu Sans, Chromium's fallback for the theme's system fonts on Linux and
# wider than most (measured with canvas measureText): labels are placed without a browser, and an over-estimate
# only leaves room. Bold is at most this much wider.
_ASCII_EM = (
    0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337, 0.636,
    0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.0,
    0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603,
    0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5, 0.5, 0.613,
    0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635,
    0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, 0.636, 0.337, 0.636, 0.838,
)
BOLD_FACTOR = 1.2
# Safety margin on every estimated width (fonts differ a little from machine to machine).
WIDTH_MARGIN = 1.06


def text_em(text: str) -> float:
    """Estimated width of one line of `text` in em."""
    em = 0.0
    for ch in text:
        o = ord(ch)
        if 32 <= o < 127:
            em += _ASCII_EM[o - 32]
            continue
        base = unicodedata.normalize("NFKD", ch)[:1]  # an accented letter is about as wide as its letter
        em += _ASCII_EM[ord(base) - 32] if base and 32 <= ord(base) < 127 else 0.8
    return em * WIDTH_MARGIN


def short_name(name: str, aliases) -> str:
    """The shortest name the texts give an actor (among its aliases), for where the full one has no room: 'Stalin',
    'USSR', 'Politburo'."""
    # proper names only ('rightists' is how a sentence speaks of the Right Opposition, not its name)
    names = [a for a in (aliases or ()) if isinstance(a, str) and len(a) >= 3 and a[0].isupper()] + [name]
    return min(names, key=lambda t: (text_em(t), t))


def label_lines(name: str) -> tuple[str, ...]:
    """A name on one line, or on two balanced lines (split at the space nearest the middle) when it is long."""
    if text_em(name) <= WRAP_EM or " " not in name:
        return (name,)
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    best = min(spaces, key=lambda i: max(text_em(name[:i]), text_em(name[i + 1:])))
    return name[:best], name[best + 1:]


def network_actor_ids(bundle) -> list[str]:
    """Actors drawn in the network: those taking part in at least one relation."""
    rel = bundle.relations
    ids = set(rel["source_id"]) | set(rel["target_id"])
    return sorted(ids)


def network_positions(bundle) -> dict[str, tuple[float, float]]:
    """A deterministic force-directed layout (Fruchterman–Reingold), seeded by movement so that movements
    cluster. Computed once per bundle; positions never move when filters change."""
    ids = network_actor_ids(bundle)
    n = len(ids)
    if n == 0:
        return {}
    index = {a: i for i, a in enumerate(ids)}
    actors = bundle.actors.set_index("actor_id")
    movements = list(bundle.movements["movement_id"])
    rng = np.random.default_rng(_SEED)
    pos = np.zeros((n, 2))
    for a, i in index.items():
        mv = actors.at[a, "movement_ids"] if a in actors.index else ()
        k = movements.index(mv[0]) if mv and mv[0] in movements else len(movements)
        angle = 2 * math.pi * k / (len(movements) + 1)
        pos[i] = [math.cos(angle), math.sin(angle)]
    pos = pos * 0.6 + rng.normal(scale=0.25, size=(n, 2))
    if n > MAX_FORCE_NODES:
        # too many nodes for an O(n²) force layout at start-up: keep the seeded movement clusters
        return _to_canvas(pos, index)
    relations = bundle.relations
    edges = np.array([(index[s], index[t]) for s, t in zip(relations["source_id"], relations["target_id"])],
                     dtype=int)
    area = 4.0
    k = math.sqrt(area / n)
    temp = 0.25
    for _it in range(_ITERATIONS):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta ** 2).sum(-1)) + 1e-9
        np.fill_diagonal(dist, np.inf)
        disp = ((k * k / dist ** 2)[:, :, None] * delta).sum(1)
        if len(edges):
            d = pos[edges[:, 0]] - pos[edges[:, 1]]
            dl = np.sqrt((d ** 2).sum(-1))[:, None] + 1e-9
            f = d * dl / k
            np.add.at(disp, edges[:, 0], -f)
            np.add.at(disp, edges[:, 1], f)
        disp -= pos * 0.6  # gravity keeps small unconnected parts near the main component
        length = np.sqrt((disp ** 2).sum(-1))[:, None] + 1e-9
        pos += disp / length * np.minimum(length, temp)
        temp = max(0.005, temp * 0.985)
    ties = actors["tie_count"].reindex(ids).fillna(0).to_numpy(dtype=float)
    radius = np.array([node_size(int(t)) / 2 for t in ties]) + NODE_SPACING / 2
    # the most connected get a ring of room for their label, even in a small panel
    radius[np.argsort(-ties, kind="stable")[:HUB_COUNT]] += HUB_ROOM
    return _to_canvas(pos, index, radius)


# Clear space kept between two nodes' marks at the panel's zoom (layout units ≈ px there), and the passes spent on it.
NODE_SPACING = 4.0
HUB_COUNT = 6
HUB_ROOM = 18.0
_SPREAD_PASSES = 120


def _spread(pos: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Push apart nodes whose marks (of `radius`, in layout units) overlap, a little at a time, inside the canvas: a
    label then has room beside its node and no mark hides another."""
    pos = pos.copy()
    lo, hi = radius[:, None], np.array([CANVAS * ASPECT, CANVAS]) - radius[:, None]
    need = radius[:, None] + radius[None, :]
    for _ in range(_SPREAD_PASSES):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta ** 2).sum(-1))
        np.fill_diagonal(dist, np.inf)
        short = np.maximum(need - dist, 0.0)
        if not short.any():
            break
        push = (short / np.maximum(dist, 1e-6) * 0.5)[:, :, None] * delta
        pos += push.sum(1) * 0.5
        pos = np.clip(pos, lo, np.maximum(hi, lo))
    return pos


def _to_canvas(pos: np.ndarray, index: dict, radius: np.ndarray | None = None) -> dict[str, tuple[float, float]]:
    # pull far-flung outliers in (radius ** 0.55) so the dense core gets the room
    centre = np.median(pos, axis=0)
    rel = pos - centre
    r = np.sqrt((rel ** 2).sum(-1))[:, None] + 1e-9
    pos = rel / r * r ** 0.55
    pos -= pos.min(0)
    pos /= np.maximum(pos.max(0), 1e-9)
    # the panel is wider than tall: stretch to its usual aspect ratio
    pos = pos * [CANVAS * ASPECT, CANVAS]
    if radius is not None:
        pos = _spread(pos, radius)
    return {a: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for a, i in index.items()}


def node_size(ties: int) -> float:
    """A node's diameter in px at the panel's size: grows with the square root of its ties."""
    return round(7 + 4 * math.sqrt(max(ties, 0)), 1)


# How a tie of a type theme.EDGE_STYLES does not know is drawn.
_OTHER_EDGE = ("solid", "#8C94A0", 1.2, False)


def _family_colours(bundle) -> dict[str, str]:
    """movement_id → its family's colour (the colour the movement filter shows)."""
    mv = bundle.movements
    own = dict(zip(mv["movement_id"], mv["color"]))
    fam = mv["family_id"] if "family_id" in mv else mv["movement_id"]
    out = {}
    for m, f, c in zip(mv["movement_id"], fam, mv["color"]):
        fc = own.get(f) if isinstance(f, str) else None
        out[m] = fc if isinstance(fc, str) and fc else c
    return out


@dataclass(frozen=True, eq=False)
class NetworkPrep:
    """What the network draws that does not depend on the selection, once per bundle: arrays in positions' order
    (nodes) and in the relations frame's order (edges)."""

    ids: tuple[str, ...]
    node_at: MappingProxyType  # actor id → node position
    node_row: np.ndarray  # row of each node in the actors frame
    x: np.ndarray
    y: np.ndarray
    names: tuple[str, ...]
    types: tuple[str, ...]
    movement: tuple[str, ...]  # first movement id ('' when none)
    colors: tuple[str | None, ...]  # family colour of the first movement (None: the palette's no-movement grey)
    ties: np.ndarray
    size: np.ndarray  # px at the panel's size
    variants: LabelVariants  # per node, the label texts to try
    edge_ids: tuple[str, ...]
    edge_at: MappingProxyType  # relation id → its row
    edge_types: tuple[str, ...]
    edge_style: tuple[str, ...]  # theme.EDGE_STYLES of each relation: line style, colour, width, arrow
    edge_color: tuple[str, ...]
    edge_width: np.ndarray
    edge_arrow: tuple[bool, ...]
    edge_source: np.ndarray  # node position of each relation's ends (−1 when not drawn)
    edge_target: np.ndarray
    edge_undated: np.ndarray

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.ids


def label_variants(name: str, aliases) -> tuple[tuple[tuple[str, ...], tuple[float, ...]], ...]:
    """The label texts to try for a node, in order, each as (lines, their widths in em): the name (on two lines
    when long), on one line, the short name."""
    texts = list(dict.fromkeys([label_lines(name), (name,), (short_name(name, aliases),)]))
    return tuple((t, tuple(text_em(line) for line in t)) for t in texts)


class LabelVariants(Sequence):
    """label_variants of each node, made when its label is first placed and then kept: a data set of 250,000
    actors draws a few hundred of them at a time (made for every node up front, they weighed ~70 MB at the
    benchmark's 1000×). Read-only to its callers; making one twice from two threads gives the same tuple."""

    def __init__(self, names: tuple[str, ...], aliases: tuple):
        self._names, self._aliases = names, aliases
        self._made: dict[int, tuple] = {}

    def __len__(self) -> int:
        return len(self._names)

    def __getitem__(self, k: int):
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        k %= len(self)
        found = self._made.get(k)
        if found is None:
            found = self._made[k] = label_variants(self._names[k], self._aliases[k])
        return found


def prepare_network(bundle, positions: dict[str, tuple[float, float]]) -> NetworkPrep:
    actors = bundle.actors
    row_of = {a: i for i, a in enumerate(actors["actor_id"])}
    ids = tuple(a for a in positions if a in row_of)
    node_row = np.array([row_of[a] for a in ids], dtype=np.int64)
    names = actors["name"].to_numpy(dtype=object)[node_row] if len(ids) else np.array([], dtype=object)
    types = actors["actor_type"].to_numpy(dtype=object)[node_row] if len(ids) else np.array([], dtype=object)
    mvs = actors["movement_ids"].to_numpy(dtype=object)[node_row] if len(ids) else np.array([], dtype=object)
    ties = actors["tie_count"].to_numpy(dtype=np.int64)[node_row] if len(ids) else np.zeros(0, dtype=np.int64)
    colours = _family_colours(bundle)
    first = tuple(mv[0] if len(mv) else "" for mv in mvs)
    aliases = actors["aliases"].to_numpy(dtype=object)[node_row] if len(ids) else np.array([], dtype=object)
    node_at = {a: k for k, a in enumerate(ids)}
    rel = bundle.relations
    undated = (rel["year_start"].isna() & rel["year_end"].isna()).to_numpy()
    styles = [EDGE_STYLES.get(t, _OTHER_EDGE) for t in rel["relation_type"]]
    return NetworkPrep(
        ids=ids, node_at=MappingProxyType(node_at), node_row=node_row,
        x=np.array([positions[a][0] for a in ids], dtype=float), y=np.array([positions[a][1] for a in ids],
                                                                             dtype=float),
        names=tuple(str(n) for n in names), types=tuple(str(t) for t in types), movement=first,
        colors=tuple(colours.get(m) for m in first), ties=ties,
        size=np.array([node_size(int(t)) for t in ties], dtype=float),
        variants=LabelVariants(tuple(str(n) for n in names), tuple(aliases)),
        edge_ids=tuple(rel["relation_id"]), edge_at=MappingProxyType({r: j for j, r in enumerate(rel["relation_id"])}),
        edge_types=tuple(rel["relation_type"]),
        edge_style=tuple(st[0] for st in styles), edge_color=tuple(st[1] for st in styles),
        edge_width=np.array([st[2] for st in styles], dtype=float), edge_arrow=tuple(bool(st[3]) for st in styles),
        edge_source=np.array([node_at.get(x, -1) for x in rel["source_id"]], dtype=np.int64),
        edge_target=np.array([node_at.get(x, -1) for x in rel["target_id"]], dtype=np.int64),
        edge_undated=undated,
    )


# -- the model ------------------------------------------------------------------------------------------------------


class NodeMark(NamedTuple):
    id: str
    label: str  # the actor's name
    x: float  # layout position (cytoscape model units)
    y: float
    color: str | None  # family colour; None: the palette's no-movement grey
    shape: str  # cytoscape shape (theme.ACTOR_SHAPES)
    actor_type: str
    movement: str  # first movement id, '' when none
    size: float  # diameter in px
    state: str  # normal | selected | related | dim | faded
    opacity: float
    border: float  # outline width in px


class EdgeMark(NamedTuple):
    id: str
    source: str
    target: str
    relation_type: str
    style: str  # solid | dashed | dotted
    color: str
    width: float  # px
    arrow: bool
    undated: bool
    state: str  # normal | undated | selected | related | dim | faded
    opacity: float


class LabelMark(NamedTuple):
    node_id: str
    lines: tuple[str, ...]
    side: str  # where it sits: one of SIDES
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in px within the panel: the text with its halo and slack
    text_box: tuple[float, float, float, float]  # the text itself
    font_px: float
    bold: bool

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class NetworkModel:
    nodes: tuple[NodeMark, ...]
    edges: tuple[EdgeMark, ...]
    labels: tuple[LabelMark, ...]
    size: tuple[int, int]  # panel width and height in px
    zoom: float  # px per layout unit
    pan: tuple[float, float]  # px of layout point (0, 0): px = layout × zoom + pan
    present: bool = False
    n_shown: int = 0  # actors the filters show (drawn strongly)
    n_total: int = 0  # actors with a position
    note: str = ""

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The layout area the panel shows: x0, y0, x1, y1 in layout units."""
        (w, h), z, (px, py) = self.size, self.zoom, self.pan
        return (-px / z, -py / z, (w - px) / z, (h - py) / z)

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        return x * self.zoom + self.pan[0], y * self.zoom + self.pan[1]


def _kept_nodes(active: np.ndarray, ties: np.ndarray, related: np.ndarray) -> np.ndarray:
    """Beyond MAX_NETWORK_NODES, the related nodes and the most connected of the others (active ones first)."""
    n = len(active)
    if n <= MAX_NETWORK_NODES:
        return np.ones(n, dtype=bool)
    keep = related.copy()
    order = np.lexsort((-ties, ~active))  # active first, then by number of ties
    room = max(MAX_NETWORK_NODES - int(keep.sum()), 0)
    keep[order[:room]] = True
    return keep


# the panel's line when the filters leave no actor to draw (an empty panel says why, in its middle: layout.py,
# and network_figure for the slide, EMPTY_NOTE_PX high as on the page)
NO_ACTORS_NOTE = "no actors or ties match these filters"
NO_ACTORS_MESSAGE = NO_ACTORS_NOTE.capitalize()  # (as a sentence, in the panel's middle)
EMPTY_NOTE_PX = 14.0


def network_note(n_nodes: int) -> str:
    """A line for the panel when the network is capped ('' when every node is drawn)."""
    if n_nodes <= MAX_NETWORK_NODES:
        return ""
    return f"the {MAX_NETWORK_NODES} most connected of {n_nodes:,} actors"


def _fit(xs: np.ndarray, ys: np.ndarray, radius: float, size: tuple[int, int]) -> tuple[float, tuple[float, float]]:
    """(zoom, pan) that frame the points in a panel of `size` px, keeping `radius` + FIT_PAD_PX px clear."""
    w, h = size
    if len(xs) == 0:
        return 1.0, (w / 2 - CANVAS * ASPECT / 2, h / 2 - CANVAS / 2)
    margin = radius + FIT_PAD_PX
    dx, dy = float(xs.max() - xs.min()), float(ys.max() - ys.min())
    zx = (w - 2 * margin) / dx if dx > 1e-9 else math.inf
    zy = (h - 2 * margin) / dy if dy > 1e-9 else math.inf
    zoom = max(min(zx, zy, MAX_FIT_ZOOM), 0.05)
    cx, cy = (xs.max() + xs.min()) / 2, (ys.max() + ys.min()) / 2
    return float(zoom), (float(w / 2 - cx * zoom), float(h / 2 - cy * zoom))


def network_model(bundle, sel: Selection, shown: Shown, related: frozenset[str],
                  positions: dict[str, tuple[float, float]] | None = None, *, prep: NetworkPrep | None = None,
                  size: tuple[int, int] = PANEL_SIZE, present: bool = False) -> NetworkModel:
    """What the network draws for `sel` in a panel of `size` px (width, height)."""
    prep = prep or prepare_network(bundle, positions or network_positions(bundle))
    n = len(prep.ids)
    w, h = int(size[0]), int(size[1])
    visible = shown_mask(bundle, shown, "actors")[prep.node_row] if n else np.zeros(0, dtype=bool)
    full = shown_mask(bundle, shown, "relations")
    everyone = sel.network == "all"
    src, tgt = prep.edge_source, prep.edge_target
    is_related = np.zeros(n, dtype=bool)
    edge_related = np.zeros(len(src), dtype=bool)
    for rid in related:  # a few ids: look each up rather than scan every node and tie
        k = prep.node_at.get(rid)
        if k is not None:
            is_related[k] = True
        j = prep.edge_at.get(rid)
        if j is not None:
            edge_related[j] = True
    chosen = prep.node_at.get(sel.selected) if sel.selected else None

    drawn = np.ones(n, dtype=bool) if everyone else visible.copy()
    if chosen is not None:
        drawn[chosen] = True
    candidates = int(drawn.sum())
    drawn &= _kept_nodes(drawn & (visible | is_related), prep.ties, is_related)
    if chosen is not None and not visible[chosen]:
        # an actor selected beyond what the filters show is drawn with its ties of the period to what is drawn
        ix = bundle.index.relations
        period = ix.overlaps(*((sel.year_start, sel.year_end) if sel.has_period else (None, None))) | ~ix.dated
        full = full | (edge_related & period)
    ends = (src >= 0) & (tgt >= 0)
    e_drawn = ends & drawn[np.maximum(src, 0)] & drawn[np.maximum(tgt, 0)] & (full | everyone)
    # a selection that touches no drawn actor or tie (a route, a far-off place) dims nothing here
    selecting = bool(sel.selected) and bool((is_related & drawn).any() or (edge_related & e_drawn).any())

    mark_scale = min(max(math.sqrt(w * h / (PANEL_SIZE[0] * PANEL_SIZE[1])), 0.8), 1.6)
    if present:
        mark_scale *= PRESENT_MARK_SCALE
    sizes = prep.size * mark_scale

    # node states, by precedence: selected, related, faded (not shown by the filters), dim, normal
    code = np.full(n, _DIM if selecting else _NORMAL, dtype=np.int8)
    code[~visible] = _FADED
    if selecting:
        code[is_related] = _RELATED
    if chosen is not None:
        code[chosen] = _SELECTED

    idx = np.flatnonzero(drawn)
    fit = idx[code[idx] != _FADED] if not everyone else idx
    if len(fit) == 0:
        fit = idx
    zoom, pan = _fit(prep.x[fit], prep.y[fit], float(sizes[fit].max() / 2) if len(fit) else 0.0, (w, h))

    border_scale = PRESENT_MARK_SCALE if present else 1.0
    nodes = tuple(NodeMark(
        id=prep.ids[k], label=prep.names[k], x=x, y=y, color=prep.colors[k],
        shape=ACTOR_SHAPES.get(prep.types[k], "ellipse"), actor_type=prep.types[k], movement=prep.movement[k],
        size=sz, state=NODE_STATES[c], opacity=NODE_OPACITY[NODE_STATES[c]],
        border=NODE_BORDER_PX[NODE_STATES[c]] * border_scale,
    ) for k, x, y, sz, c in zip(idx.tolist(), prep.x[idx].tolist(), prep.y[idx].tolist(),
                                np.round(sizes[idx], 2).tolist(), code[idx].tolist()))

    # tie states, by precedence: selected, faded (outside what the filters show), related, dim, undated, normal
    js = np.flatnonzero(e_drawn)
    es, et = src[js], tgt[js]
    # pale: a tie the texts give no date for, or one shown for these years only through an open end ("from 1936")
    pale = prep.edge_undated[js] | open_mask(bundle, shown, "relations")[js]
    ecode = np.where(pale, _UNDATED, _NORMAL).astype(np.int8)
    if selecting:
        # an actor's own ties; for another record (an event, a place), the ties among the actors it involves
        near = edge_related[js] if chosen is not None else \
            edge_related[js] | ((code[es] >= _RELATED) & (code[et] >= _RELATED))
        ecode = np.where(near, _RELATED, _DIM).astype(np.int8)
    ecode[~full[js]] = _FADED
    chosen_edge = prep.edge_at.get(sel.selected) if sel.selected else None
    if chosen_edge is not None:
        ecode[js == chosen_edge] = _SELECTED
    width = prep.edge_width[js] * EDGE_WIDTH_PX * mark_scale
    width = np.where(ecode == _RELATED, np.maximum(width, RELATED_EDGE_PX * mark_scale), width)
    width = np.where(ecode == _SELECTED, np.maximum(width, SELECTED_EDGE_PX * mark_scale), width)
    edges = tuple(EdgeMark(
        id=prep.edge_ids[j], source=prep.ids[a], target=prep.ids[b], relation_type=prep.edge_types[j],
        style=prep.edge_style[j], color=prep.edge_color[j], width=wd, arrow=prep.edge_arrow[j], undated=u,
        state=EDGE_STATES[c], opacity=EDGE_OPACITY[EDGE_STATES[c]],
    ) for j, a, b, wd, u, c in zip(js.tolist(), es.tolist(), et.tolist(), np.round(width, 2).tolist(),
                                   prep.edge_undated[js].tolist(), ecode.tolist()))

    degree = np.zeros(n, dtype=np.int64)
    strong = e_drawn & full
    np.add.at(degree, src[strong], 1)
    np.add.at(degree, tgt[strong], 1)
    model = NetworkModel(nodes=nodes, edges=edges, labels=(), size=(w, h), zoom=zoom, pan=pan,
                         present=present, n_shown=int((drawn & visible).sum()), n_total=n,
                         note=network_note(candidates) if nodes else NO_ACTORS_NOTE)
    labels = place_labels(model, prep, degree)
    return NetworkModel(**{**model.__dict__, "labels": labels})


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _DiscGrid:
    """Nodes' marks (discs in px) bucketed in square cells, so that a label box is tested against its neighbours
    only."""

    CELL = 40.0  # px

    def __init__(self, discs: list[tuple[str, float, float, float]]):
        self.cells: dict[tuple[int, int], list] = {}
        c = self.CELL
        for d in discs:
            _, x, y, r = d
            for i in range(int((x - r) // c), int((x + r) // c) + 1):
                for j in range(int((y - r) // c), int((y + r) // c) + 1):
                    self.cells.setdefault((i, j), []).append(d)

    def hits(self, box: tuple, own: str) -> bool:
        """Whether the box meets any disc but `own`'s."""
        c = self.CELL
        x0, y0, x1, y1 = box
        for i in range(int(x0 // c), int(x1 // c) + 1):
            for j in range(int(y0 // c), int(y1 // c) + 1):
                for nid, cx, cy, r in self.cells.get((i, j), ()):
                    if nid == own:
                        continue
                    nx = x0 if cx < x0 else x1 if cx > x1 else cx
                    ny = y0 if cy < y0 else y1 if cy > y1 else cy
                    if (nx - cx) ** 2 + (ny - cy) ** 2 < r * r:
                        return True
        return False


def _label_box(side: str, px: float, py: float, r: float, w: float, h: float) -> tuple:
    """The px box of a w × h label on `side` of a node of radius r (its outline included) centred at (px, py)."""
    halign, valign = _ALIGN[side]
    d = r + LABEL_GAP_PX
    if halign != "center" and valign != "center":  # a corner: the box's corner on the node's diagonal
        d = r * math.sqrt(0.5) + LABEL_GAP_PX
    x0 = px - w / 2 if halign == "center" else px + d if halign == "right" else px - d - w
    y0 = py - h / 2 if valign == "center" else py + d if valign == "bottom" else py - d - h
    return (x0, y0, x0 + w, y0 + h)


def place_labels(model: NetworkModel, prep: NetworkPrep, degree: np.ndarray) -> tuple[LabelMark, ...]:
    """A greedy placement in px: the selected actor, its neighbours, then the most connected of the others (by ties
    drawn), each tried below, right, left and above its node; a label is kept only where it overlaps no label
    already placed, no other node and stays inside the frame."""
    w, h = model.size
    font = PRESENT_LABEL_PX if model.present else LABEL_PX
    marks = [(nd, *model.to_px(nd.x, nd.y)) for nd in model.nodes]
    # a label keeps clear of every node drawn strongly (faded and dimmed ones lie under the labels' halo)
    discs = _DiscGrid([(nd.id, px, py, nd.size / 2 + nd.border / 2) for nd, px, py in marks
                       if nd.state not in ("faded", "dim")])
    k_of = prep.node_at
    rank = {"selected": 0, "related": 1, "normal": 2}
    cands = [(nd, px, py) for nd, px, py in marks if nd.state in rank]
    cands.sort(key=lambda c: (rank[c[0].state], -int(degree[k_of[c[0].id]]), -int(prep.ties[k_of[c[0].id]]),
                              c[0].id))
    room = max(6, int(w * h / LABEL_AREA_PX2))
    slack = HALO_PX + CY_LABEL_SLACK_UNITS * model.zoom + 1.5  # + 1.5 px for rounding in the browser
    bold_slack = slack + 1.0  # bold text is measured less exactly
    placed: list[LabelMark] = []
    boxes: list[tuple] = []
    by_ties = tried = 0
    for nd, px, py in cands:
        if nd.state == "normal":
            tried += 1
            if by_ties >= room or tried > room * TRIES_PER_LABEL:
                break
        k = k_of[nd.id]
        bold = nd.state == "selected"
        fpx = font + (SELECTED_LABEL_EXTRA_PX if bold else 0.0)
        r = nd.size / 2 + nd.border / 2
        found = None
        for ls, es in prep.variants[k]:
            tw = max(es) * fpx * (BOLD_FACTOR if bold else 1.0)
            th = fpx * (len(ls) + (len(ls) - 1) * (LINE_HEIGHT - 1))  # lines at LINE_HEIGHT, as cytoscape sets them
            # on its own node when the node is wide enough to hold it, else around it
            sides = ("inside",) + SIDES if tw <= 2 * r * INSIDE_SHARE and th <= 2 * r * INSIDE_SHARE else SIDES
            for side in sides:
                t = _label_box(side, px, py, r, tw, th)
                sl = bold_slack if bold else slack
                b = (t[0] - sl, t[1] - sl, t[2] + sl, t[3] + sl)
                if b[0] < 0 or b[1] < 0 or b[2] > w or b[3] > h:
                    continue
                if any(_overlaps(b, q) for q in boxes):
                    continue
                if discs.hits(t, nd.id):
                    continue
                found = LabelMark(node_id=nd.id, lines=ls, side=side, box=tuple(round(v, 2) for v in b),
                                  text_box=tuple(round(v, 2) for v in t), font_px=fpx, bold=bold)
                break
            if found:
                break
        if found is None:
            continue
        placed.append(found)
        boxes.append(found.box)
        if nd.state == "normal":
            by_ties += 1
    return tuple(placed)


def viewport(model: NetworkModel) -> dict:
    """The cytoscape viewport that shows the model as it was placed: {"zoom": z, "pan": {"x": …, "y": …}}."""
    return {"zoom": round(model.zoom, 5), "pan": {"x": round(model.pan[0], 2), "y": round(model.pan[1], 2)}}


# -- rendering for cytoscape ----------------------------------------------------------------------------------------


def _cy_margins(model: NetworkModel, nd: NodeMark, lb: LabelMark) -> tuple[float, float]:
    """text-margin-x/y (model units) that put cytoscape's label on the model's box: cytoscape aligns a label to
    the node's outer box (size + outline), centred or just outside it, and the margin moves it from there."""
    z = model.zoom
    px, py = model.to_px(nd.x, nd.y)
    r = (nd.size + nd.border) / 2
    halign, valign = _ALIGN[lb.side]
    x0, y0, x1, y1 = lb.text_box
    mx = (x0 + x1) / 2 - px if halign == "center" else x0 - (px + r) if halign == "right" else x1 - (px - r)
    my = (y0 + y1) / 2 - py if valign == "center" else y0 - (py + r) if valign == "bottom" else y1 - (py - r)
    return mx / z, my / z


def _cy_elements(model: NetworkModel) -> list[dict]:
    z = model.zoom
    labels = {lb.node_id: lb for lb in model.labels}
    sizes = np.round(np.array([nd.size for nd in model.nodes], dtype=float) / z, 3).tolist()
    borders = {b: round(b / z, 3) for b in {nd.border for nd in model.nodes}}
    halo, font = round(HALO_PX / z, 3), round(LABEL_PX / z, 3)
    out = []
    for nd, size in zip(model.nodes, sizes):
        lb = labels.get(nd.id)
        data = {"id": nd.id, "label": nd.label, "type": nd.actor_type, "size": size, "opacity": nd.opacity,
                "border": borders[nd.border], "halo": halo, "text": "", "font": font, "halign": "center",
                "valign": "bottom", "justify": "center", "mx": 0, "my": 0}
        if nd.color:
            data["color"] = nd.color
        classes = f"{nd.actor_type} mv-{nd.movement or 'none'}"
        if lb is not None:
            halign, valign = _ALIGN[lb.side]
            mx, my = _cy_margins(model, nd, lb)
            data.update(text=lb.text, font=round(lb.font_px / z, 3), halign=halign, valign=valign,
                        justify=_JUSTIFY[halign], mx=round(mx, 3), my=round(my, 3))
            classes += " labelled"
        if nd.state != "normal":
            classes += f" {nd.state}"
        out.append({"data": data, "position": {"x": nd.x, "y": nd.y}, "classes": classes})
    widths = np.array([e.width for e in model.edges], dtype=float) / z
    scale = ARROW_PX / 0.3 / z / np.maximum((widths * 13.37) ** 0.9, 29.0)  # see _cy_arrow_scale
    straight = " straight" if len(model.edges) > BEZIER_MAX_EDGES else ""
    for e, wd, sc in zip(model.edges, np.round(widths, 3).tolist(), np.round(scale, 4).tolist()):
        classes = f"rel-{e.relation_type}" + (" undated" if e.undated else "") + straight
        if e.state not in ("normal", "undated"):
            classes += f" {e.state}"
        out.append({"data": {"id": e.id, "source": e.source, "target": e.target, "relation_type": e.relation_type,
                             "width": wd, "color": e.color, "opacity": e.opacity, "arrow_scale": sc},
                    "classes": classes})
    return out


# Arrowheads are about this many px long whatever the tie's width.
ARROW_PX = 8.0
# Ties are curves (cytoscape's bezier: two ties of one pair side by side) up to this many on screen, straight lines
# beyond: for curves cytoscape works out every tie's control points on each change (about 260 ms of the browser's
# time at 1,500 ties, 100× the corpus, on the 2-core machine; straight lines halve its share).
BEZIER_MAX_EDGES = 600


def _cy_arrow_scale(width_units: float, zoom: float) -> float:
    """arrow-scale for an ARROW_PX-long arrowhead: cytoscape sizes an arrow max((width × 13.37)^0.9, 29) × scale
    model units and draws its triangle 0.3 of that long."""
    return ARROW_PX / 0.3 / zoom / max((width_units * 13.37) ** 0.9, 29.0)


def network_elements(model, sel: Selection | None = None, shown: Shown | None = None,
                     related: frozenset[str] = frozenset(), positions: dict | None = None, *,
                     prep: NetworkPrep | None = None, size: tuple[int, int] = PANEL_SIZE,
                     present: bool | None = None) -> list[dict]:
    """Cytoscape elements of a NetworkModel. Also takes the older arguments (bundle, sel, shown, related,
    positions, prep=…) and builds the model for the panel's size itself."""
    if not isinstance(model, NetworkModel):
        model = network_model(model, sel, shown, related, positions, prep=prep, size=size,
                              present=sel.present if present is None else present)
    return _cy_elements(model)


def network_stylesheet(bundle=None, *, present: bool = False, palette: Palette = LIGHT) -> list[dict]:
    """The cytoscape stylesheet: sizes, colours, opacities and label places come from each element's data (the
    model's), so that the page draws exactly what the Plotly rendering draws. `bundle` and `present` are kept for
    the callers' sake (colours and type sizes are in the data)."""
    p = palette
    sheet = [
        {"selector": "node", "style": {
            "width": "data(size)", "height": "data(size)", "background-color": p.no_movement,
            "opacity": "data(opacity)", "label": "data(text)", "font-size": "data(font)",
            "min-zoomed-font-size": 6, "font-family": FONT_FAMILY, "color": p.ink,
            "text-halign": "data(halign)", "text-valign": "data(valign)",
            "text-margin-x": "data(mx)", "text-margin-y": "data(my)",
            "text-wrap": "wrap", "text-max-width": 10000, "line-height": LINE_HEIGHT,
            "text-justification": "data(justify)",
            "border-width": "data(border)", "border-color": p.mark_line,
            "text-outline-color": p.paper, "text-outline-width": "data(halo)", "text-outline-opacity": 0.85,
            "text-events": "no",
        }},
        {"selector": "node[color]", "style": {"background-color": "data(color)"}},
        {"selector": "edge", "style": {
            "curve-style": "bezier", "control-point-step-size": 7, "width": "data(width)",
            "line-color": "data(color)", "target-arrow-color": "data(color)", "target-arrow-shape": "none",
            "arrow-scale": "data(arrow_scale)", "opacity": "data(opacity)",
        }},
        {"selector": "edge.straight", "style": {"curve-style": "straight"}},  # (BEZIER_MAX_EDGES)
    ]
    for atype, shape in ACTOR_SHAPES.items():
        sheet.append({"selector": f"node.{atype}", "style": {"shape": shape}})
    for rtype, (style, _color, _, arrow) in EDGE_STYLES.items():
        sheet.append({"selector": f"edge.rel-{rtype}", "style": {
            "line-style": style, "target-arrow-shape": "triangle" if arrow else "none",
        }})
    sheet += [
        {"selector": "node.related", "style": {"border-color": p.highlight}},
        {"selector": "node.selected", "style": {"border-color": p.highlight, "font-weight": "bold", "z-index": 10}},
        {"selector": "edge.selected", "style": {"z-index": 10}},
        {"selector": ":selected", "style": {"overlay-opacity": 0}},
    ]
    return sheet


# -- rendering for Plotly -------------------------------------------------------------------------------------------


# Plotly annotation anchors by cytoscape alignment: a label right of its node is anchored by its left edge, etc.
_X_ANCHOR = MappingProxyType({"center": "center", "right": "left", "left": "right"})
_Y_ANCHOR = MappingProxyType({"center": "middle", "bottom": "top", "top": "bottom"})


def network_figure(model: NetworkModel, palette: Palette = LIGHT, *, axis: int | None = None) -> dict:
    """The model as a plain Plotly figure dict of the panel's size: ties as lines (dashed by style, arrowheads on
    directed ties), nodes as markers by shape, labels as annotations where the model placed them.

    `axis=N` puts everything on axes xN/yN (layout keys xaxisN/yaxisN, annotations referring to them), for a canvas
    that holds other figures: the caller sets those axes' domains to the box the network fills, a box of
    model.size px for the labels to stay where they were placed."""
    w, h = model.size
    xa, ya = (f"x{axis}", f"y{axis}") if axis else ("x", "y")
    xkey, ykey = (f"xaxis{axis}", f"yaxis{axis}") if axis else ("xaxis", "yaxis")
    z = model.zoom
    x0, y0, x1, y1 = model.box
    layout = dict(
        width=w, height=h, margin=dict(l=0, r=0, t=0, b=0, pad=0), autosize=False, showlegend=False,
        paper_bgcolor=palette.paper, plot_bgcolor=palette.paper, dragmode=False, hovermode="closest",
        font=dict(family=FONT_FAMILY, size=LABEL_PX, color=palette.ink),
    )
    layout[xkey] = dict(range=[x0, x1], visible=False, fixedrange=True, domain=[0, 1], anchor=ya)
    layout[ykey] = dict(range=[y1, y0], visible=False, fixedrange=True, domain=[0, 1], anchor=xa)  # y points down
    by_id = {nd.id: nd for nd in model.nodes}
    groups: dict[tuple, dict] = {}
    heads: dict[tuple, dict] = {}
    for e in model.edges:
        s, t = by_id[e.source], by_id[e.target]
        dx, dy = t.x - s.x, t.y - s.y
        length = math.hypot(dx, dy)
        if length < 1e-9:
            continue
        ux, uy = dx / length, dy / length
        ex, ey = t.x, t.y
        if e.arrow:
            back = (t.size / 2 + t.border / 2) / z
            ex, ey = t.x - ux * back, t.y - uy * back
        g = groups.setdefault((e.style, e.color, e.width, e.opacity), dict(x=[], y=[]))
        g["x"] += [s.x, ex, None]
        g["y"] += [s.y, ey, None]
        if e.arrow and length * z > t.size / 2 + ARROW_PX + 4:
            a = heads.setdefault((e.color, e.opacity), dict(x=[], y=[], angle=[]))
            a["x"].append(ex - ux * ARROW_PX / 2 / z)
            a["y"].append(ey - uy * ARROW_PX / 2 / z)
            a["angle"].append(round(math.degrees(math.atan2(ux, -uy)), 1))  # clockwise from up; y points down
    data: list[dict] = []
    for (style, color, width, op), g in sorted(groups.items(), key=lambda kv: kv[0][3]):  # faint ties first
        data.append(dict(type="scatter", mode="lines", x=g["x"], y=g["y"], xaxis=xa, yaxis=ya, opacity=op,
                         line=dict(color=color, width=width, dash=PLOTLY_DASH.get(style, "solid")),
                         hoverinfo="skip", showlegend=False, name="ties"))
    for (color, op), a in sorted(heads.items(), key=lambda kv: kv[0][1]):
        data.append(dict(type="scatter", mode="markers", x=a["x"], y=a["y"], xaxis=xa, yaxis=ya, opacity=op,
                         marker=dict(symbol="triangle-up", angle=a["angle"], size=ARROW_PX, color=color,
                                     line=dict(width=0)),
                         hoverinfo="skip", showlegend=False, name="arrowheads"))
    order = sorted(model.nodes, key=lambda nd: (nd.opacity, nd.state == "selected", nd.size))  # faint first
    outline = {"selected": palette.highlight, "related": palette.highlight}
    data.append(dict(
        type="scatter", mode="markers", name="actors", xaxis=xa, yaxis=ya, showlegend=False,
        x=[nd.x for nd in order], y=[nd.y for nd in order], customdata=[nd.id for nd in order],
        hovertext=[nd.label for nd in order], hoverinfo="text",
        marker=dict(symbol=[PLOTLY_SYMBOLS.get(nd.shape, "circle") for nd in order],
                    size=[nd.size for nd in order], color=[nd.color or palette.no_movement for nd in order],
                    opacity=[nd.opacity for nd in order],
                    line=dict(width=[nd.border for nd in order],
                              color=[outline.get(nd.state, palette.mark_line) for nd in order])),
    ))
    annotations = []
    for lb in model.labels:
        nd = by_id[lb.node_id]
        halign, valign = _ALIGN[lb.side]
        px, py = model.to_px(nd.x, nd.y)
        x0, y0, x1, y1 = lb.text_box
        ax = (x0 + x1) / 2 if halign == "center" else x0 if halign == "right" else x1
        ay = (y0 + y1) / 2 if valign == "center" else y0 if valign == "bottom" else y1
        text = "<br>".join(esc(s) for s in lb.lines)
        annotations.append(dict(
            x=nd.x, y=nd.y, xref=xa, yref=ya, text=f"<b>{text}</b>" if lb.bold else text, showarrow=False,
            xanchor=_X_ANCHOR[halign], yanchor=_Y_ANCHOR[valign], xshift=round(ax - px, 2),
            yshift=round(py - ay, 2), borderpad=0,  # yshift points up
            align=_JUSTIFY[halign],
            font=dict(size=lb.font_px, color=palette.ink, family=FONT_FAMILY,
                      shadow=f"0 0 {HALO_PX}px {palette.paper}"),
            name=f"label:{lb.node_id}",
        ))
    if not model.nodes:
        # an empty panel says why, in its middle, as the page's does (layout.py: the network's message)
        annotations.append(dict(
            x=(x0 + x1) / 2, y=(y0 + y1) / 2, xref=xa, yref=ya, showarrow=False, xanchor="center", yanchor="middle",
            text=NO_ACTORS_MESSAGE, name="empty",
            font=dict(size=EMPTY_NOTE_PX * (PRESENT_LABEL_PX / LABEL_PX if model.present else 1.0),
                      color=palette.muted, family=FONT_FAMILY)))
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}

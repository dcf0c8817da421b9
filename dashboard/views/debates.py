"""The Debates view: one row per debated question, its two poles written at either end, each holder a chip placed
by stance; and the "Sources disagree" side-by-side model of a happening whose sources differ.

Belongs here: the pure model (rows, chips placed greedily in px so that no label or mark overlaps another, the
count of what found no room) and the thin function that renders it as a plotly figure dict. A chip is one holder's
position on one question (its claims of that stance merged); its customdata is its first claim's id.
Filters: the movement filter keeps the holders of that movement (a family or a movement inside one), search keeps
the claims whose holder, summary or quote (or whose question) holds the words. The period filter does not apply:
the texts give the year of the work for few claims.
Does not belong here: Dash (never imported), the layout or the callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from dashboard.selection import Selection
from dashboard.textwidth import text_height, text_width
from dashboard.theme import FONT_FAMILY, LIGHT, Palette, base_layout, hex_to_rgba

# The dashboard panel's size (the map's panel) and a slide's.
PANEL_SIZE = (768, 455)
SLIDE_SIZE = (1920, 1080)
# Font sizes in px at the panel; a larger figure scales them up to PRESENT_SCALE at most.
LABEL_PX = 11.0
TITLE_PX = 11.5
POLE_PX = 10.5
PRESENT_SCALE = 1.45
MARKER_PX = 9.0  # chip diameter
CHIP_GAP = 3.0  # between a chip's marker and its label
CHIP_SPACING = 9.0  # between a named chip and the one before it
BARE_SPACING = 3.0  # between a chip drawn without its name (no room for it) and the one before it
MAX_LANES = 6  # lanes of chips a row may take when the figure has height to spare
ROW_GAP = 4.0  # between two rows
OTHER_SHARE = 0.2  # width of the "neither pole" column
MARGIN = 8.0
STANCE_TEXT = MappingProxyType({"pole_a": "pole A", "pole_b": "pole B", "qualified": "qualified (between the poles)",
                               "other": "neither pole"})


@dataclass(frozen=True)
class Chip:
    question_id: str
    holder_id: str
    name: str
    stance: str
    claim_ids: tuple[str, ...]
    color: str
    x: float  # marker centre, px from the left
    y: float  # marker centre, px from the top
    label_shown: bool
    label_box: tuple[float, float, float, float] | None  # x0, y0, x1, y1 of the label (None when not shown)
    hover: str
    selected: bool = False

    @property
    def claim_id(self) -> str:
        return self.claim_ids[0]

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The chip's extent: its marker and, when shown, its label."""
        r = MARKER_PX / 2
        x0, y0, x1, y1 = self.x - r, self.y - r, self.x + r, self.y + r
        if self.label_box:
            x1 = max(x1, self.label_box[2])
        return x0, y0, x1, y1


@dataclass(frozen=True)
class Row:
    question_id: str
    label: str
    pole_a: str
    pole_b: str
    top: float
    title_y: float
    pole_y: float
    track_y: float
    bottom: float
    hidden: int  # holders of this row with no room for their chip
    unlabelled: int  # chips drawn without their name (no room for it)
    note: str = ""  # the counts written at the end of the title's line, as long as there is room for ('' if none)
    pole_b_y: float = 0.0  # pole B's line: pole A's, or the next when both do not fit on one


@dataclass(frozen=True)
class DebatesModel:
    width: float
    height: float
    scale: float
    track: tuple[float, float]  # x0, x1 of the stance track
    other: tuple[float, float]  # x0, x1 of the "neither pole" column
    rows: tuple[Row, ...]
    chips: tuple[Chip, ...]
    hidden_questions: int  # questions with shown claims but no room for a row
    empty: str  # what to say when no row is shown, else ''

    @property
    def labelled_share(self) -> float:
        return sum(c.label_shown for c in self.chips) / len(self.chips) if self.chips else 1.0

    def overlapping(self) -> list[tuple[str, str]]:
        """Pairs of chips whose extents overlap (there should be none)."""
        out = []
        boxes = [(c.holder_id + "@" + c.question_id + ":" + c.stance, c.box) for c in self.chips]
        for i, (a, ba) in enumerate(boxes):
            for b, bb in boxes[i + 1:]:
                if ba[0] < bb[2] and bb[0] < ba[2] and ba[1] < bb[3] and bb[1] < ba[3]:
                    out.append((a, b))
        return out


# ---------------------------------------------------------------------------------------------------------------
# What is shown
# ---------------------------------------------------------------------------------------------------------------


def _family_of(bundle) -> dict[str, str]:
    mv = bundle.movements
    return dict(zip(mv["movement_id"], mv["family_id"]))


def holder_colors(bundle, palette: Palette = LIGHT) -> dict[str, str]:
    """Actor id → the colour of its first movement's family (the grey of no movement where it has none)."""
    mv = bundle.movements
    color = dict(zip(mv["movement_id"], mv["color"]))
    out = {}
    for aid, mids in zip(bundle.actors["actor_id"], bundle.actors["movement_ids"]):
        out[aid] = next((color[m] for m in mids if color.get(m)), palette.no_movement)
    return out


def shown_claims(bundle, sel: Selection) -> pd.DataFrame:
    """The claims the filters keep: holders of the selected movements (either level), claims matching the search."""
    claims = bundle.claims
    actors = bundle.actors.set_index("actor_id")
    keep = pd.Series(True, index=claims.index)
    if sel.movement_ids:
        fam = _family_of(bundle)
        wanted = set(sel.movement_ids)

        def in_movement(aid: str) -> bool:
            mids = actors.at[aid, "movement_ids"] if aid in actors.index else ()
            return any(m in wanted or fam.get(m) in wanted for m in mids)
        keep &= claims["holder_id"].map(in_movement).astype(bool)
    if sel.q:
        needle = sel.q.casefold()
        q_label = dict(zip(bundle.questions["question_id"], bundle.questions["label"]))

        def hay(r) -> str:
            a = actors.loc[r.holder_id] if r.holder_id in actors.index else None
            names = [a["name"], *a["aliases"]] if a is not None else [r.holder_id]
            return " ".join([*names, r.summary, r.quote, q_label.get(r.question_id, "")]).casefold()
        keep &= pd.Series([needle in hay(r) for r in claims.itertuples()], index=claims.index, dtype=bool)
    return claims[keep]


# ---------------------------------------------------------------------------------------------------------------
# The model: rows and chips placed greedily
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Lane:
    """Free intervals of one line of chips in one zone, filled from one end (or around the centre)."""

    y: float
    x0: float
    x1: float
    flow: str  # "right" (from x0), "left" (from x1) or "centre"
    used: list

    def fit(self, w: float, gap: float) -> tuple[float, float] | None:
        """Where a chip `w` px wide goes next in this lane, `gap` px from the one before, or None when the lane is
        full."""
        if self.flow == "right":
            a = self.used[-1][1] + gap if self.used else self.x0
            return (a, a + w) if a + w <= self.x1 else None
        if self.flow == "left":
            b = self.used[-1][0] - gap if self.used else self.x1
            return (b - w, b) if b - w >= self.x0 else None
        # centre: the chips of the lane stay centred as a group (placed by _recentre once the lane is full)
        total = sum(b - a for a, b in self.used) + gap * len(self.used) + w
        if total > self.x1 - self.x0:
            return None
        return (0.0, w)

    def add(self, span: tuple[float, float], gap: float) -> None:
        self.used.append(span)
        self.gaps.append(gap)

    gaps: list = field(default_factory=list)


def _recentre(lane: _Lane) -> list[tuple[float, float]]:
    widths = [b - a for a, b in lane.used]
    gaps = [0.0] + lane.gaps[1:]
    total = sum(widths) + sum(gaps)
    a = (lane.x0 + lane.x1 - total) / 2
    out = []
    for w, g in zip(widths, gaps):
        a += g
        out.append((a, a + w))
        a += w
    return out


def _hover(name: str, stance: str, pole: str, rows: list) -> str:
    lines = [f"<b>{name}</b> — {STANCE_TEXT[stance]}" + (f": {pole}" if pole else "")]
    for r in rows:
        year = f" ({int(r.work_year)})" if pd.notna(r.work_year) else ""
        lines.append(f"• {r.summary}{year} [{r.doc_id}]")
    return "<br>".join(lines)


def debates_model(bundle, sel: Selection, *, size: tuple[float, float] = PANEL_SIZE, present: bool = False,
                  palette: Palette = LIGHT) -> DebatesModel:
    """Rows and chips placed in px for a figure of `size` (width, height)."""
    w, h = float(size[0]), float(size[1])
    scale = min(max(min(w / PANEL_SIZE[0], h / PANEL_SIZE[1]), 1.0), PRESENT_SCALE)
    if present:
        scale = max(scale, 1.2)
    f_label, f_title, f_pole, marker = LABEL_PX * scale, TITLE_PX * scale, POLE_PX * scale, MARKER_PX * scale
    line = max(text_height(f_label), marker) + 3 * scale
    claims = shown_claims(bundle, sel)
    questions = bundle.questions
    names = dict(zip(bundle.actors["actor_id"], bundle.actors["name"]))
    mentions = dict(zip(bundle.actors["actor_id"], bundle.actors["mention_count"]))
    colors = holder_colors(bundle, palette)
    selected = sel.selected
    sel_holder = None
    if selected and selected in set(claims["claim_id"]):
        sel_holder = claims.loc[claims["claim_id"] == selected, "holder_id"].iloc[0]

    q_by_id = questions.set_index("question_id")
    other_x1 = w - MARGIN
    other_x0 = w - MARGIN - (w - 2 * MARGIN) * OTHER_SHARE
    track = (MARGIN, other_x0 - 12 * scale)
    L = track[1] - track[0]
    zones = {"pole_a": (track[0], track[0] + L / 3 - 6 * scale, "right"),
             "qualified": (track[0] + L / 3 + 6 * scale, track[0] + 2 * L / 3 - 6 * scale, "centre"),
             "pole_b": (track[0] + 2 * L / 3 + 6 * scale, track[1], "left"),
             "other": (other_x0 + 4 * scale, other_x1, "right")}

    # One chip per holder and stance on a question, in priority order: the selected holder, then holders with more
    # claims here, then the most mentioned.
    groups: dict[str, list] = {}
    for (qid, holder, stance), g in claims.groupby(["question_id", "holder_id", "stance"], sort=False):
        name = names.get(holder, holder)
        label_w = text_width(name, f_label, bold=holder == sel_holder)
        groups.setdefault(qid, []).append((holder, stance, g, name, label_w))
    for lst in groups.values():
        lst.sort(key=lambda t: (t[0] != sel_holder, -len(t[2]), -mentions.get(t[0], 0), t[3]))
    # Rows: the most debated questions first (most holders), as many as fit with one lane of chips each; the height
    # left over goes, a lane at a time, to the rows whose chips need more lanes (those with the fewest first).
    order = sorted(groups, key=lambda qid: (-len({t[0] for t in groups[qid]}), qid))

    def need(qid: str) -> int:
        lanes = 1
        for z, (x0, x1, _) in zones.items():
            total = sum(marker + CHIP_GAP * scale + t[4] + CHIP_SPACING * scale for t in groups[qid] if t[1] == z)
            lanes = max(lanes, -(-total // max(x1 - x0, 1.0)))
        return int(min(lanes, MAX_LANES))

    title_h, pole_h = text_height(f_title) + 2 * scale, text_height(f_pole) + 2 * scale
    head_h = text_height(f_pole) + 4 * scale  # the "neither pole" header above the rows
    def two_pole_lines(qid: str) -> bool:
        q = q_by_id.loc[qid]
        pole_w = text_width("◀ " + q["pole_a"], f_pole) + text_width(q["pole_b"] + " ▶", f_pole) + 12 * scale
        return pole_w > track[1] - track[0]

    base_h = {qid: title_h + pole_h * (2 if two_pole_lines(qid) else 1) + line for qid in order}

    def rows_fitting(avail: float) -> tuple[int, float]:
        """How many rows (most debated first) fit in `avail` px with one lane each, and the px left over."""
        used, k = 0.0, 0
        for qid in order:
            step = base_h[qid] + (ROW_GAP if k else 0.0)
            if used + step > avail:
                break
            used, k = used + step, k + 1
        return k, avail - used

    avail = h - 2 * MARGIN - head_h
    n_rows, left = rows_fitting(avail)
    if n_rows < len(order):  # keep a line for the note saying how many questions are left out
        n_rows, left = rows_fitting(avail - text_height(f_pole) - ROW_GAP)
    lanes_of = {qid: 1 for qid in order[:n_rows]}
    spare = int(left // line) if n_rows else 0
    while spare > 0:
        short = [q for q in order[:n_rows] if lanes_of[q] < need(q)]
        if not short:
            break
        q = min(short, key=lambda q: (lanes_of[q], lanes_of[q] - need(q)))  # evenly: the fewest lanes first
        lanes_of[q] += 1
        spare -= 1

    rows, chips = [], []
    y = MARGIN + head_h
    for qid in order[:n_rows]:
        q = q_by_id.loc[qid]
        top = y
        title_y = top + title_h / 2
        pole_y = top + title_h + pole_h / 2
        # both poles on one line when they fit side by side, else pole B on the next, at the right
        two = two_pole_lines(qid)
        pole_b_y = pole_y + pole_h if two else pole_y
        track_y = top + title_h + pole_h * (2 if two else 1)
        row_h = title_h + pole_h * (2 if two else 1) + line * lanes_of[qid]
        lanes = {z: [_Lane(track_y + line * (k + 0.5), x0, x1, flow, []) for k in range(lanes_of[qid])]
                 for z, (x0, x1, flow) in zones.items()}
        hidden = unlabelled = 0
        placed = []
        for holder, stance, g, name, label_w in groups[qid]:
            full, bare = marker + CHIP_GAP * scale + label_w, marker
            spot = None
            for want, with_label, gap in ((full, True, CHIP_SPACING * scale), (bare, False, BARE_SPACING * scale)):
                for lane in lanes[stance]:
                    span = lane.fit(want, gap)
                    if span is not None:
                        lane.add(span, gap)
                        spot = (lane, len(lane.used) - 1, with_label)
                        break
                if spot:
                    break
            if spot is None:
                hidden += 1
                continue
            unlabelled += not spot[2]
            pole = q["pole_a"] if stance == "pole_a" else q["pole_b"] if stance == "pole_b" else ""
            placed.append((spot, holder, stance, g, name, label_w, _hover(name, stance, pole, list(g.itertuples()))))
        for (lane, k, with_label), holder, stance, g, name, label_w, hover in placed:
            a, _ = (_recentre(lane)[k] if lane.flow == "centre" else lane.used[k])
            cx = a + marker / 2
            box = None
            if with_label:
                lx = cx + marker / 2 + CHIP_GAP * scale
                box = (lx, lane.y - text_height(f_label) / 2, lx + label_w, lane.y + text_height(f_label) / 2)
            chips.append(Chip(qid, holder, name, stance, tuple(g["claim_id"]), colors.get(holder, palette.no_movement),
                              cx, lane.y, with_label, box, hover,
                              selected=holder == sel_holder and (selected in set(g["claim_id"]))))
        # the counts after the title, shortened (or left out) to the room the title leaves
        room = track[1] - track[0] - text_width(q["label"], f_title, bold=True) - 10 * scale
        unnamed = (f"{unlabelled} unnamed" + ("" if present else " (hover)")) if unlabelled else ""  # a slide: no hover
        notes = [" · ".join(p for p in (f"+{hidden} not shown" if hidden else "", unnamed) if p),
                 f"+{hidden} not shown" if hidden else "", f"+{hidden}" if hidden else ""]
        note = next((t for t in notes if t and text_width(t, f_pole) <= room), "")
        rows.append(Row(qid, q["label"], q["pole_a"], q["pole_b"], top, title_y, pole_y, track_y,
                        top + row_h, hidden, unlabelled, note=note, pole_b_y=pole_b_y))
        y = top + row_h + ROW_GAP
    empty = "" if order else ("No claim matches the filters." if len(bundle.claims) else "No claims in the data.")
    return DebatesModel(w, h, scale, track, (other_x0, other_x1), tuple(rows), tuple(chips),
                        len(order) - n_rows, empty)


# ---------------------------------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------------------------------


def _annotation(x, y, text, size, color, *, anchor="left", bold=False, italic=False) -> dict:
    if bold:
        text = f"<b>{text}</b>"
    if italic:
        text = f"<i>{text}</i>"
    return dict(x=x, y=y, xref="x", yref="y", text=text, showarrow=False, xanchor=anchor, yanchor="middle",
                font=dict(size=size, color=color, family=FONT_FAMILY))


def render_debates(m: DebatesModel, palette: Palette = LIGHT) -> dict:
    """The model as a plotly figure dict: axes in px (x right, y down), chips one marker trace (customdata = claim
    id), their names one text trace, titles, poles and counts as annotations."""
    s = m.scale
    f_label, f_title, f_pole = LABEL_PX * s, TITLE_PX * s, POLE_PX * s
    ann, shapes = [], []
    if m.rows:
        ann.append(_annotation((m.other[0] + m.other[1]) / 2, MARGIN + text_height(f_pole) / 2, "neither pole",
                               f_pole, palette.muted, anchor="center", italic=True))
        shapes.append(dict(type="line", xref="x", yref="y", x0=m.other[0] - 4 * s, x1=m.other[0] - 4 * s,
                           y0=MARGIN, y1=m.rows[-1].bottom, line=dict(color=palette.grid, width=1)))
    for r in m.rows:
        ann.append(_annotation(m.track[0], r.title_y, r.label, f_title, palette.ink, bold=True))
        if r.note:
            ann.append(_annotation(m.track[1], r.title_y, r.note, f_pole, palette.muted, anchor="right"))
        ann.append(_annotation(m.track[0], r.pole_y, "◀ " + r.pole_a, f_pole, palette.muted, italic=True))
        ann.append(_annotation(m.track[1], r.pole_b_y or r.pole_y, r.pole_b + " ▶", f_pole, palette.muted,
                               anchor="right", italic=True))
        shapes.append(dict(type="line", xref="x", yref="y", x0=m.track[0], x1=m.track[1], y0=r.track_y,
                           y1=r.track_y, line=dict(color=palette.grid, width=1)))
        if r is not m.rows[-1]:
            shapes.append(dict(type="line", xref="x", yref="y", x0=m.track[0], x1=m.other[1],
                               y0=r.bottom + ROW_GAP / 2, y1=r.bottom + ROW_GAP / 2,
                               line=dict(color=hex_to_rgba(palette.grid if palette.grid.startswith("#") else "#888888",
                                                           0.6), width=0.5)))
    if m.hidden_questions:
        ann.append(_annotation(m.width - MARGIN, m.height - MARGIN - f_pole / 2,
                               f"+{m.hidden_questions} question(s) need a taller view", f_pole, palette.muted,
                               anchor="right"))
    if m.empty:
        ann.append(_annotation(m.width / 2, m.height / 2, m.empty, f_title, palette.muted, anchor="center"))
    chips = m.chips
    marker_trace = dict(
        type="scatter", mode="markers", name="holders", x=[c.x for c in chips], y=[c.y for c in chips],
        customdata=[c.claim_id for c in chips], hovertext=[c.hover for c in chips], hoverinfo="text",
        marker=dict(size=MARKER_PX * s, color=[c.color for c in chips], symbol="circle",
                    line=dict(color=[palette.highlight if c.selected else palette.mark_line for c in chips],
                              width=[2.5 if c.selected else 1 for c in chips])),
        showlegend=False)
    labelled = [c for c in chips if c.label_shown]
    label_trace = dict(
        type="scatter", mode="text", name="holder names", x=[c.label_box[0] for c in labelled],
        y=[c.y for c in labelled], text=[f"<b>{c.name}</b>" if c.selected else c.name for c in labelled],
        textposition="middle right", textfont=dict(size=f_label, color=palette.ink, family=FONT_FAMILY),
        customdata=[c.claim_id for c in labelled], hovertext=[c.hover for c in labelled], hoverinfo="text",
        showlegend=False, cliponaxis=False)
    layout = base_layout(
        palette, width=int(m.width), height=int(m.height), margin=dict(l=0, r=0, t=0, b=0),
        xaxis=dict(range=[0, m.width], visible=False, fixedrange=True),
        yaxis=dict(range=[m.height, 0], visible=False, fixedrange=True),
        annotations=ann, shapes=shapes, hovermode="closest", dragmode=False)
    return dict(data=[marker_trace, label_trace], layout=layout)


def debates_figure(bundle, sel: Selection, *, size: tuple[float, float] = PANEL_SIZE, present: bool = False,
                   palette: Palette = LIGHT, model: DebatesModel | None = None) -> dict:
    """The Debates view as a plotly figure dict of `size` (width, height) px, rendered from debates_model()."""
    m = model or debates_model(bundle, sel, size=size, present=present, palette=palette)
    return render_debates(m, palette)


# ---------------------------------------------------------------------------------------------------------------
# Sources disagree: the side-by-side comparison of one happening
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    record_ids: tuple[str, ...]
    doc_id: str
    doc_title: str
    value: str  # as the text states it
    when: str
    figure: str
    quote: str
    passage_id: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Disagreement:
    disagreement_id: str
    what: str
    basis: str  # dates or figures
    overlap: str  # contained, overlapping or disjoint
    a: Side
    b: Side
    note: str


def disagreements_for(bundle, record_id: str | None = None) -> tuple[Disagreement, ...]:
    """The disagreements a record takes part in (as one side's record, by its happening, or as a curated pair), or
    every disagreement when `record_id` is None; in the frame's order."""
    d = bundle.disagreements
    titles = dict(zip(bundle.documents["doc_id"], bundle.documents["title"]))
    happening = None
    found = bundle.row_of(record_id) if record_id else None
    if found is not None and found[0] == "events":
        happening = bundle.array("events", "happening_id")[found[1]]
    out = []
    for r in d.itertuples():
        if record_id is not None and not (record_id in r.a_record_ids or record_id in r.b_record_ids
                                          or (happening and r.happening_id == happening)):
            continue
        sides = []
        row = r._asdict()
        for x in ("a", "b"):
            v = {k[2:]: val for k, val in row.items() if k.startswith(x + "_")}
            sides.append(Side(tuple(v["record_ids"]), v["doc_id"], titles.get(v["doc_id"], v["doc_id"]), v["value"],
                              v["when"], v["figure"], v["quote"], v["passage_id"], int(v["char_start"]),
                              int(v["char_end"])))
        out.append(Disagreement(r.disagreement_id, r.what, r.basis, r.overlap, sides[0], sides[1], r.note))
    return tuple(out)


def disagreement_summary(dis: Disagreement) -> str:
    """One line naming both sides: 'Great Purge: “in the 1930s” (Stalinism) ≠ “from 1936 to 1938” (Anti-Stalinist
    left)'."""
    return (f"{dis.what}: \u201c{dis.a.value}\u201d ({dis.a.doc_title}) \u2260 "
            f"\u201c{dis.b.value}\u201d ({dis.b.doc_title})")

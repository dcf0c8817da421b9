"""Visual vocabulary shared by every view: fonts, neutral colours, symbols per type, edge styles per relation.

Movement colours are data (data/movements.yaml), not defined here, so that every view and legend reads the
same colour from the movements frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

# System fonts only: nothing is fetched from a font service (the dashboard works offline).
FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif'
SERIF_FAMILY = 'Georgia, "Times New Roman", "Noto Serif", serif'

INK = "#1F2328"
MUTED = "#59636E"
GRID = "#E6E8EB"
PAPER = "#FFFFFF"
NO_MOVEMENT = "#8C959F"  # records tied to no movement
HIGHLIGHT = "#111111"
DIM_OPACITY = 0.18  # opacity of marks unrelated to the selected record
# opacity of a map mark or a tie shown for a period only through the assumed years of an open end ("from 1924")
OPEN_OPACITY = 0.45
BAND_FILLS = ("rgba(120,120,120,0.07)", "rgba(120,120,120,0.14)")


@dataclass(frozen=True)
class Palette:
    """The neutral colours of one theme (movement colours are data and the same in every theme)."""

    name: str
    ink: str  # text and outlines
    muted: str  # secondary text
    grid: str
    paper: str  # page and plot background
    highlight: str  # outline of the selected mark
    band_fills: tuple[str, str]  # alternating named-period bands on the timeline
    land: str
    ocean: str
    country: str  # border lines on the map
    coast: str
    halo_line: str  # ring around approximate places
    mark_line: str  # thin outline separating marks from each other
    no_movement: str = NO_MOVEMENT


LIGHT = Palette(name="light", ink=INK, muted=MUTED, grid=GRID, paper=PAPER, highlight=HIGHLIGHT,
                band_fills=BAND_FILLS, land="#F2EFE9", ocean="#E8EEF3", country="#B9B4AA", coast="#A8A49C",
                halo_line="rgba(90,90,90,0.4)", mark_line="#FFFFFF")
DARK = Palette(name="dark", ink="#E6EDF3", muted="#A3AEBA", grid="#2D343C", paper="#14181D", highlight="#FFFFFF",
               band_fills=("rgba(200,200,200,0.05)", "rgba(200,200,200,0.10)"), land="#262C33", ocean="#161B21",
               country="#5E6873", coast="#6C7681", halo_line="rgba(220,220,220,0.45)", mark_line="#14181D")
PALETTES = MappingProxyType({"light": LIGHT, "dark": DARK})

# Plotly marker symbols for places, by place_type (a legend entry each).
PLACE_SYMBOLS = MappingProxyType({
    "execution": "x",
    "killing": "x",
    "purge": "diamond",
    "trial": "square",
    "assassination": "star",
    "camp": "triangle-down",
    "uprising": "triangle-up",
    "deportation_origin": "circle-open",
    "deportation_destination": "circle",
    "exile": "pentagon",
    "movement": "hexagon",
    "other": "circle",
})
PLACE_TYPE_LABELS = MappingProxyType({
    "execution": "Execution site", "killing": "Killing / burial site", "purge": "Purge", "trial": "Trial",
    "assassination": "Assassination", "camp": "Camp", "uprising": "Uprising", "deportation_origin": "Deported from",
    "deportation_destination": "Deported to", "exile": "Exile", "movement": "Movement event", "other": "Other place",
})

# Plotly marker symbols for events on the timeline when lanes are by movement.
EVENT_SYMBOLS = MappingProxyType({
    "purge": "diamond", "execution": "x", "assassination": "star", "trial": "square", "deportation": "triangle-right",
    "uprising": "triangle-up", "repression": "diamond-tall", "famine": "hourglass", "war": "cross",
    "death": "circle-x", "exile": "pentagon", "expulsion": "square-x", "split": "bowtie", "congress": "hexagon",
    "founding": "hexagram", "publication": "circle-open", "speech": "circle-dot", "poll": "asterisk-open",
    "policy": "square-open", "rise_to_power": "triangle-up-open", "revolution": "star-triangle-up",
    "pact": "diamond-wide", "other": "circle",
})

# Cytoscape node shapes by actor_type.
ACTOR_SHAPES = MappingProxyType({
    "person": "ellipse", "faction": "diamond", "party": "round-rectangle", "state": "hexagon",
    "organisation": "round-triangle", "publication": "tag",
})

# Edge styles by relation type: (line style, colour, width, arrow?) — allied solid, opposed dashed,
# violent acts in red with arrows, membership thin. Every colour reaches 3:1 on both themes' paper, and the violent
# reds stay apart from the others under simulated deuteranopia and protanopia (tests/test_accessibility.py).
VIOLENT = ("expelled", "exiled", "executed", "killed", "persecuted")
EDGE_STYLES = MappingProxyType({
    "allied_with": ("solid", "#3B7D4F", 2.5, False),
    "supported": ("solid", "#3B7D4F", 1.8, True),
    "opposed": ("dashed", "#705C8C", 2.0, False),
    "criticized": ("dashed", "#705C8C", 1.4, True),
    "split_from": ("dotted", "#705C8C", 2.0, True),
    "expelled": ("solid", "#C0392B", 2.2, True),
    "exiled": ("solid", "#C0392B", 2.2, True),
    "executed": ("solid", "#B43C2C", 3.0, True),
    "killed": ("solid", "#B43C2C", 3.0, True),
    "persecuted": ("solid", "#C0392B", 2.2, True),
    "member_of": ("solid", "#8C94A0", 1.0, True),
    "leader_of": ("solid", "#5C6874", 1.6, True),
    "influenced": ("solid", "#B88034", 1.4, True),
    "succeeded": ("solid", "#4A6FA5", 1.4, True),
    "founded": ("solid", "#4A6FA5", 1.6, True),
})
RELATION_LABELS = MappingProxyType({t: t.replace("_", " ") for t in EDGE_STYLES})

# Map regions: "fit" frames what the filters show (views/map.py chooses its ranges and projection; its lon/lat here
# are the whole globe: no site lies outside it), then the presets: (lon range, lat range, projection).
MAP_REGIONS = MappingProxyType({
    "fit": {"label": "Fit", "lon": (-180, 180), "lat": (-90, 90), "fitted": True},
    "ussr": {"label": "USSR", "lon": (15, 150), "lat": (30, 75), "projection": "conic equal area",
             "rotation_lon": 75},
    "europe": {"label": "Europe", "lon": (-12, 60), "lat": (34, 68), "projection": "conic equal area",
               "rotation_lon": 20},
    "world": {"label": "World", "lon": (-180, 180), "lat": (-58, 84), "projection": "natural earth",
              "rotation_lon": 20},
})


def hex_to_rgba(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    r, g, b = int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    return f"rgba({r},{g},{b},{alpha})"


def base_layout(palette: Palette = LIGHT, **extra) -> dict:
    """Layout settings every Plotly view shares, in the palette's colours."""
    layout = dict(
        font=dict(family=FONT_FAMILY, size=12, color=palette.ink),
        paper_bgcolor=palette.paper,
        plot_bgcolor=palette.paper,
        margin=dict(l=8, r=8, t=8, b=8),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=12), align="left"),
        legend=dict(font=dict(size=11)),
        uirevision="keep",
    )
    layout.update(extra)
    return layout

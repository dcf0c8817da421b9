"""Colour checks: WCAG contrast, colour-vision-deficiency simulation and perceptual colour difference.

Pure functions on CSS colour strings ("#RRGGBB", "#RGB", "rgb(r,g,b)", "rgba(r,g,b,a)", "white", "black"),
used by the tests to keep the palettes, the movement colours, the route colours and the edge colours legible.
Nothing here knows about the app's frames or views: callers pass the colours in.

- contrast_ratio: WCAG 2.x relative luminance ratio, 1..21. A translucent colour is first composited over the
  background it is drawn on (in sRGB, as browsers do).
- simulate: dichromat vision (deuteranopia, protanopia, tritanopia) with the Machado, Oliveira & Fernandes (2009)
  matrices at severity 1.0, applied to linear RGB.
- delta_e: CIEDE2000 colour difference (CIE Lab, D65 white). About 1 is a just-noticeable difference between
  large patches side by side; small marks on a chart need far more (see the thresholds in the tests).
"""

from __future__ import annotations

from types import MappingProxyType

import itertools
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

CVD_KINDS = ("deuteranopia", "protanopia", "tritanopia")

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
# deficiency", severity 1.0 (dichromacy); rows map linear (R, G, B) to the simulated linear (R, G, B).
MACHADO_2009 = MappingProxyType({
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
})

# WCAG 2.x thresholds (contrast ratios).
AA_TEXT = 4.5  # body text (1.4.3)
AA_LARGE_TEXT = 3.0  # text ≥ 18.66 px bold or ≥ 24 px (1.4.3)
AA_NON_TEXT = 3.0  # graphical objects and focus indicators (1.4.11)
AAA_TEXT = 7.0  # body text (1.4.6)

_NAMED = MappingProxyType({"white": "#FFFFFF", "black": "#000000"})
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_RGB = re.compile(r"^rgba?\(\s*([^)]*)\)$")

# sRGB (D65) → CIE XYZ, and the D65 reference white (Y = 1).
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = _RGB_TO_XYZ @ np.ones(3)


def _parse(color: str) -> tuple[np.ndarray, float]:
    """(sRGB in 0..1, alpha in 0..1) of a CSS colour string."""
    if not isinstance(color, str):
        raise ValueError(f"not a colour this module reads: {color!r}")
    s = color.strip()
    s = _NAMED.get(s.lower(), s)
    m = _HEX.match(s)
    if m:
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        rgb = np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255
        alpha = int(h[6:8], 16) / 255 if len(h) == 8 else 1.0
        return rgb, alpha
    m = _RGB.match(s.replace(" ", "").lower())
    if m:
        parts = [p for p in m.group(1).split(",") if p]
        if len(parts) in (3, 4):
            try:
                rgb = np.array([float(p) for p in parts[:3]]) / 255
                alpha = float(parts[3]) if len(parts) == 4 else 1.0
            except ValueError:
                pass
            else:
                if np.all((rgb >= 0) & (rgb <= 1)) and 0 <= alpha <= 1:
                    return rgb, alpha
    raise ValueError(f"not a colour this module reads: {color!r}")


def to_rgb(color: str, bg: str = "#FFFFFF") -> np.ndarray:
    """sRGB in 0..1 of `color`, composited over the opaque `bg` when it is translucent."""
    rgb, alpha = _parse(color)
    if alpha >= 1:
        return rgb
    back = to_rgb(bg)
    return alpha * rgb + (1 - alpha) * back


def to_hex(rgb: Sequence[float]) -> str:
    """'#RRGGBB' of an sRGB triple in 0..1 (clipped)."""
    r, g, b = (int(round(float(np.clip(v, 0, 1)) * 255)) for v in rgb)
    return f"#{r:02X}{g:02X}{b:02X}"


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _gamma(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def relative_luminance(color: str, bg: str = "#FFFFFF") -> float:
    """WCAG 2.x relative luminance (0 black … 1 white). WCAG's own linearisation threshold (0.03928) and the
    sRGB one (0.04045) differ only for channel values that are not 8-bit integers: the result is the same."""
    return float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(to_rgb(color, bg)))


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio (1 to 21) of `fg` drawn on `bg`; a translucent `fg` is composited over `bg`
    (and a translucent `bg` over white, the page)."""
    back = to_hex(to_rgb(bg))
    l1, l2 = relative_luminance(fg, back), relative_luminance(back)
    hi, lo = max(l1, l2), min(l1, l2)
    return (hi + 0.05) / (lo + 0.05)


def simulate(color: str, kind: str | None, bg: str = "#FFFFFF") -> str:
    """How `color` looks to a dichromat of `kind` ('deuteranopia', 'protanopia', 'tritanopia'), as '#RRGGBB'.
    kind None or 'normal' returns the colour itself (composited over `bg` if translucent)."""
    rgb = to_rgb(color, bg)
    if kind in (None, "normal"):
        return to_hex(rgb)
    try:
        matrix = MACHADO_2009[kind]
    except KeyError:
        raise ValueError(f"kind must be one of {CVD_KINDS} or None, not {kind!r}") from None
    return to_hex(_gamma(matrix @ _linear(rgb)))


def to_lab(color: str, bg: str = "#FFFFFF") -> np.ndarray:
    """CIE L*a*b* (D65) of a colour."""
    xyz = _RGB_TO_XYZ @ _linear(to_rgb(color, bg)) / _WHITE_D65
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 difference of two L*a*b* triples (kL = kC = kH = 1), after Sharma, Wu & Dalal (2005)."""
    L1, a1, b1 = (float(v) for v in lab1)
    L2, a2, b2 = (float(v) for v in lab2)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    d_l = L2 - L1
    d_c = c2p - c1p
    if c1p * c2p == 0:
        d_h = 0.0
    else:
        d_h = h2p - h1p
        if d_h > 180:
            d_h -= 360
        elif d_h < -180:
            d_h += 360
    d_hh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(d_h / 2))
    l_bar = (L1 + L2) / 2
    cp_bar = (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        h_bar = (h1p + h2p + 360) / 2
    else:
        h_bar = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25.0 ** 7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return float(np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_hh / s_h) ** 2
                         + r_t * (d_c / s_c) * (d_hh / s_h)))


def delta_e(c1: str, c2: str, kind: str | None = None, bg: str = "#FFFFFF") -> float:
    """CIEDE2000 difference between two colours as seen with normal vision (kind None) or by a dichromat."""
    return ciede2000(to_lab(simulate(c1, kind, bg)), to_lab(simulate(c2, kind, bg)))


@dataclass(frozen=True)
class Pair:
    """Two colours (by name) and their CIEDE2000 difference under one kind of vision."""

    a: str
    b: str
    delta_e: float
    kind: str | None = None


def pairwise(colors: Mapping[str, str] | Sequence[str], kind: str | None = None,
             bg: str = "#FFFFFF") -> list[Pair]:
    """Every pair of `colors` (a name → colour mapping, or a list named by the colours themselves), closest
    first. Identical names are compared once; identical colours under different names give ΔE 0."""
    named = dict(colors) if isinstance(colors, Mapping) else {c: c for c in colors}
    labs = {k: to_lab(simulate(v, kind, bg)) for k, v in named.items()}
    pairs = [Pair(a, b, ciede2000(labs[a], labs[b]), kind) for a, b in itertools.combinations(named, 2)]
    return sorted(pairs, key=lambda p: p.delta_e)


def min_pairwise_distance(colors: Mapping[str, str] | Sequence[str], kind: str | None = None,
                          bg: str = "#FFFFFF") -> float:
    """The smallest CIEDE2000 difference between any two of `colors` (inf for fewer than two)."""
    pairs = pairwise(colors, kind, bg)
    return pairs[0].delta_e if pairs else float("inf")


def pairs_below(colors: Mapping[str, str] | Sequence[str], threshold: float, kind: str | None = None,
                bg: str = "#FFFFFF") -> list[Pair]:
    """The pairs of `colors` closer than `threshold` (CIEDE2000) under `kind` of vision, closest first."""
    return [p for p in pairwise(colors, kind, bg) if p.delta_e < threshold]


def palette_report(colors: Mapping[str, str], backgrounds: Mapping[str, str],
                   kinds: Iterable[str | None] = (None, *CVD_KINDS)) -> str:
    """A plain-text table for people: each colour's contrast against each background, then the closest pair
    under each kind of vision."""
    lines = ["colour".ljust(28) + "".join(f"{name:>12}" for name in backgrounds)]
    for name, c in colors.items():
        lines.append(f"{name[:18]:18} {c:9}" + "".join(f"{contrast_ratio(c, bg):>10.2f}:1"
                                                        for bg in backgrounds.values()))
    for kind in kinds:
        pairs = pairwise(colors, kind)
        if pairs:
            p = pairs[0]
            lines.append(f"closest pair ({kind or 'normal'}): {p.a} / {p.b}  ΔE00 = {p.delta_e:.1f}")
    return "\n".join(lines)

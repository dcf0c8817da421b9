"""Text widths for placing labels in pixels before the browser draws them.

Belongs here: the advance width of each character in the dashboard's font (theme.FONT_FAMILY) and the width and
height of a one-line label from them. Does not belong here: where labels go (each view places its own).

The widths are DejaVu Sans's (what FONT_FAMILY resolves to on the Debian machines that render the slides and run the
browser tests), measured in Chromium as SVG text (getComputedTextLength of each character alone), in em. DejaVu Sans
is wider than the system fonts FONT_FAMILY prefers elsewhere (Segoe UI, Roboto, Helvetica), so a label placed with
these widths does not grow on other machines. Characters not listed take the width of their base letter (ń → n),
else WIDE_EM.
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType

# em per character, regular weight
CHAR_EM = MappingProxyType({
    "0": 0.636, "1": 0.636, "2": 0.636, "3": 0.636, "4": 0.636, "5": 0.636, "6": 0.636, "7": 0.636, "8": 0.636,
    "9": 0.636, " ": 0.318, "!": 0.401, "\"": 0.46, "#": 0.838, "$": 0.636, "%": 0.95, "&": 0.78, "'": 0.275,
    "(": 0.39, ")": 0.39, "*": 0.5, "+": 0.838, ",": 0.318, "-": 0.361, ".": 0.318, "/": 0.337, ":": 0.337,
    ";": 0.337, "<": 0.838, "=": 0.838, ">": 0.838, "?": 0.531, "@": 1, "A": 0.684, "B": 0.686, "C": 0.698,
    "D": 0.77, "E": 0.632, "F": 0.575, "G": 0.775, "H": 0.752, "I": 0.295, "J": 0.295, "K": 0.656, "L": 0.557,
    "M": 0.863, "N": 0.748, "O": 0.787, "P": 0.603, "Q": 0.787, "R": 0.695, "S": 0.635, "T": 0.611, "U": 0.732,
    "V": 0.684, "W": 0.989, "X": 0.685, "Y": 0.611, "Z": 0.685, "[": 0.39, "\\": 0.337, "]": 0.39, "^": 0.838,
    "_": 0.5, "`": 0.5, "a": 0.613, "b": 0.635, "c": 0.55, "d": 0.635, "e": 0.615, "f": 0.352, "g": 0.635,
    "h": 0.634, "i": 0.278, "j": 0.278, "k": 0.579, "l": 0.278, "m": 0.974, "n": 0.634, "o": 0.612, "p": 0.635,
    "q": 0.635, "r": 0.411, "s": 0.521, "t": 0.392, "u": 0.634, "v": 0.592, "w": 0.818, "x": 0.592, "y": 0.592,
    "z": 0.525, "{": 0.636, "|": 0.337, "}": 0.636, "~": 0.838, "–": 0.5, "—": 1, "’": 0.318, "·": 0.318, "ń": 0.634,
    "ó": 0.612, "é": 0.615, "è": 0.615, "ü": 0.634, "ö": 0.612, "ä": 0.613, "å": 0.613, "ç": 0.55, "á": 0.613,
    "í": 0.278, "ú": 0.634, "ñ": 0.634, "ł": 0.284, "ś": 0.521, "ż": 0.525, "ź": 0.525, "č": 0.55, "š": 0.521,
    "ž": 0.525, "ř": 0.411, "ě": 0.615, "ý": 0.592, "ő": 0.612, "ű": 0.634, "…": 1,
})
# em per character, bold
BOLD_CHAR_EM = MappingProxyType({
    "0": 0.696, "1": 0.696, "2": 0.696, "3": 0.696, "4": 0.696, "5": 0.696, "6": 0.696, "7": 0.696, "8": 0.696,
    "9": 0.696, " ": 0.348, "!": 0.456, "\"": 0.521, "#": 0.838, "$": 0.696, "%": 1.002, "&": 0.872, "'": 0.306,
    "(": 0.457, ")": 0.457, "*": 0.523, "+": 0.838, ",": 0.38, "-": 0.415, ".": 0.38, "/": 0.365, ":": 0.4, ";": 0.4,
    "<": 0.838, "=": 0.838, ">": 0.838, "?": 0.58, "@": 1, "A": 0.774, "B": 0.762, "C": 0.734, "D": 0.83, "E": 0.683,
    "F": 0.683, "G": 0.821, "H": 0.837, "I": 0.372, "J": 0.372, "K": 0.775, "L": 0.637, "M": 0.995, "N": 0.837,
    "O": 0.85, "P": 0.733, "Q": 0.85, "R": 0.77, "S": 0.72, "T": 0.682, "U": 0.812, "V": 0.774, "W": 1.103,
    "X": 0.771, "Y": 0.724, "Z": 0.725, "[": 0.457, "\\": 0.365, "]": 0.457, "^": 0.838, "_": 0.5, "`": 0.5,
    "a": 0.675, "b": 0.716, "c": 0.593, "d": 0.716, "e": 0.678, "f": 0.435, "g": 0.716, "h": 0.712, "i": 0.343,
    "j": 0.343, "k": 0.665, "l": 0.343, "m": 1.042, "n": 0.712, "o": 0.687, "p": 0.716, "q": 0.716, "r": 0.493,
    "s": 0.595, "t": 0.478, "u": 0.712, "v": 0.652, "w": 0.924, "x": 0.645, "y": 0.652, "z": 0.582, "{": 0.712,
    "|": 0.365, "}": 0.712, "~": 0.838, "–": 0.5, "—": 1, "’": 0.38, "·": 0.38, "ń": 0.712, "ó": 0.687, "é": 0.678,
    "è": 0.678, "ü": 0.712, "ö": 0.687, "ä": 0.675, "å": 0.675, "ç": 0.593, "á": 0.675, "í": 0.343, "ú": 0.712,
    "ñ": 0.712, "ł": 0.371, "ś": 0.595, "ż": 0.582, "ź": 0.582, "č": 0.593, "š": 0.595, "ž": 0.582, "ř": 0.493,
    "ě": 0.678, "ý": 0.652, "ő": 0.687, "ű": 0.712, "…": 1,
})
# Width of a character neither table lists (about DejaVu Sans's widest lowercase letters), em.
WIDE_EM = 0.72
# Kerning and rounding make a rendered string up to ~1 % longer or shorter than the sum of its characters
# (measured); a label is taken this much wider.
WIDTH_SLACK = 1.03
# SVG text box of one line around its baseline, in em: from 0.93 em above it to 0.24 em below (DejaVu Sans's
# ascent and descent, the box Chromium's getBBox() reports).
ASCENT_EM = 0.93
DESCENT_EM = 0.24


def _char_em(ch: str, table) -> float:
    w = table.get(ch)
    if w is None:
        base = unicodedata.normalize("NFKD", ch)[:1]
        w = table.get(base, WIDE_EM)
    return w


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in px of one line of `text` at font size `size` px."""
    table = BOLD_CHAR_EM if bold else CHAR_EM
    return sum(_char_em(ch, table) for ch in text) * size * WIDTH_SLACK


def text_height(size: float) -> float:
    """Height in px of one line of text at font size `size` px."""
    return (ASCENT_EM + DESCENT_EM) * size

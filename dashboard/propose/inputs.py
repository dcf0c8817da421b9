"""A text brought by a user → a Python string, or a refusal in one clear line.

Belongs here: everything that decides whether a file is a plain text worth proposing records from — its size,
its encoding (UTF-8; cp1252, then latin-1, tried with a note when UTF-8 fails), and whether it is binary, HTML,
empty, one word repeated, or has no sentences at all. Pure functions over bytes; the one that reads a file checks
its size before reading it.
Does not belong here: splitting the text into sentences (dashboard.pipeline.texts) or proposing records.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# A text larger than this (in bytes) is refused before it is read: the two texts of the corpus are 26 and 44 KB,
# a long book chapter is a few hundred KB.
MAX_BYTES = 2 * 1024 * 1024
# A "word" longer than this (characters with no space) is not prose (the longest URL in the texts is ~100).
MAX_WORD_CHARS = 1000
# A paragraph (one line) longer than this is refused: the sentence splitter reads a paragraph at a time, and spaCy
# reads at most 1,000,000 characters at once.
MAX_LINE_CHARS = 500_000
# A text of at least this many words whose most common word is more than this share of them is one word repeated.
REPEAT_MIN_WORDS = 200
REPEAT_MAX_SHARE = 0.5
# Share of control characters (other than tab, newline, carriage return, form feed) above which bytes are binary.
BINARY_CONTROL_SHARE = 0.01
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html\b|<\?xml\b)", re.I)
_HTML_TAG = re.compile(r"</?(?:html|head|body|div|span|p|br|a|script|style|table|tr|td|li|ul|ol|h[1-6]|meta|link|"
                       r"img|iframe|form|input)\b[^>]*>", re.I)
# Tags of HTML in a text: this many, or one per this many characters, make it markup rather than prose.
HTML_MIN_TAGS = 5


class InputError(ValueError):
    """A file that cannot be proposed from; the message is one line, for the user."""


@dataclass(frozen=True)
class ReadText:
    text: str
    encoding: str
    note: str  # '' for UTF-8; otherwise which encoding was used and why


def _size_label(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def decode(data: bytes, name: str = "the text") -> ReadText:
    """Check and decode the bytes of a text; raise InputError (one line) when it is not a plain text to propose from."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{name} is {_size_label(len(data))}; the limit is {_size_label(MAX_BYTES)} — split it")
    if not data.strip():
        raise InputError(f"{name} is empty")
    if b"\x00" in data:
        raise InputError(f"{name} is a binary file (it holds NUL bytes), not a plain text")
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    if controls > BINARY_CONTROL_SHARE * len(data):
        raise InputError(f"{name} is a binary file ({controls} control bytes), not a plain text")
    if _HTML_START.match(data):
        raise InputError(f"{name} is HTML or XML markup: save the page as plain text (.txt) first")
    note = ""
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as e:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
        note = (f"{name} is not UTF-8 (byte {data[e.start]:#04x} at {e.start}); read as {encoding}: check its "
                "quotes and accented letters")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    tags = len(_HTML_TAG.findall(text))
    if tags >= HTML_MIN_TAGS:
        raise InputError(f"{name} is HTML ({tags} tags such as {_HTML_TAG.search(text).group(0)[:20]!r}): save the "
                         "page as plain text (.txt) first")
    longest = max((len(w) for w in text.split()), default=0)
    if longest > MAX_WORD_CHARS:
        raise InputError(f"{name} holds a 'word' of {longest:,} characters with no space: not prose")
    words = re.findall(r"\w+", text.lower())
    if len(words) >= REPEAT_MIN_WORDS:
        word, n = Counter(words).most_common(1)[0]
        if n > REPEAT_MAX_SHARE * len(words):
            raise InputError(f"{name} is one word repeated ({word[:20]!r}, {n:,} of its {len(words):,} words): "
                             "not prose")
    longest_line = max((len(line) for line in text.split("\n")), default=0)
    if longest_line > MAX_LINE_CHARS:
        raise InputError(f"{name} has a paragraph (a line) of {longest_line:,} characters; the limit is "
                         f"{MAX_LINE_CHARS:,}: break it into paragraphs")
    if not re.search(r"[^\W\d_]", text):
        raise InputError(f"{name} has no letters: no sentences to read")
    return ReadText(text, encoding, note)


def read_text(path: Path) -> ReadText:
    """Read and check a text file (its size first, so a huge file is never read into memory)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    if size > MAX_BYTES:
        raise InputError(f"{path.name} is {_size_label(size)}; the limit is {_size_label(MAX_BYTES)} — split it")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    return decode(data, path.name)

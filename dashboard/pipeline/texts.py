"""Texts → documents and passages: read the two texts and split them into headings, list items and sentences.

Belongs here: the texts' quirks (headings as "== … ==" in one text and bare lines in the other, sentences glued
together with no space after the full stop, page-reference debris such as ": 4 ", tabs inside sentences).
Does not belong here: curated records or mentions (see records.py and mentions.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    path: Path
    licence: str
    credit: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# "== Mid-century critiques (1939–1953) ==", "==Castroist critiques (1959–1968)==", "= Anti-Stalinist left ="
_MARKED_HEADING = re.compile(r"^\s*(=+)\s*(.*?)\s*\1\s*$")
# A bare heading line: short, starts with a capital, no sentence punctuation at its end ("Purges and executions").
_BARE_HEADING = re.compile(r"^[A-Z][^.!?:;\"“”]{0,48}$")
_BARE_HEADING_MAX_WORDS = 6
_LIST_ITEM = re.compile(r"^\s*[-*•]\s+(\S.*?)\s*$")
# Headings after which the text is apparatus (links, references, bibliography), not prose.
BACK_MATTER_HEADINGS = ("See also", "References", "Citations", "Notes", "Sources", "Further reading", "Books",
                        "External links")
# Page-reference debris left from footnotes: "beggars.: 4  Many" — a colon and a page number between sentences.
_DEBRIS_HEAD = re.compile(r"\d{1,3}\s+(?=\S)")
_DEBRIS_TAIL = re.compile(r"(?<=[.!?\"”])\s*:\s*$")


@lru_cache(maxsize=1)
def sentence_splitter():
    """A blank English pipeline with a sentencizer that also splits glued sentences ("role.Officially").
    spaCy is imported here, not at module level: a server reading cached frames never pays for it."""
    import spacy
    from spacy.util import compile_infix_regex

    nlp = spacy.blank("en")
    infixes = list(nlp.Defaults.infixes) + [
        # a full stop glued to the next sentence's capital: "role.Officially", "1920.In", "Stalin.“Who"
        r"(?<=[a-z0-9\)\]\"”’%])\.(?=[A-Z“\"‘])",
        # a closing quote glued to the next sentence: "quickly."After"
        r"(?<=[.!?])[\"”’](?=[A-Z])",
    ]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.add_pipe("sentencizer")
    return nlp


def _lines(text: str):
    """Yield (line_no, start, end, line) for every non-empty line, offsets into the text."""
    pos = 0
    for no, line in enumerate(text.split("\n"), start=1):
        end = pos + len(line)
        if line.strip():
            yield no, pos, end, line
        pos = end + 1


def _classify(line: str) -> tuple[str, str]:
    """Return (kind, label) for one line: title, heading, list_item or paragraph."""
    m = _MARKED_HEADING.match(line)
    if m:
        # a single "=" marks the text's own title, "==" a section
        return ("title" if len(m.group(1)) == 1 else "heading"), m.group(2).strip()
    m = _LIST_ITEM.match(line)
    if m:
        return "list_item", m.group(1)
    stripped = line.strip()
    if _BARE_HEADING.match(stripped) and len(stripped.split()) <= _BARE_HEADING_MAX_WORDS:
        return "heading", stripped
    return "paragraph", stripped


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past surrounding white space (including hair spaces) and page-reference debris."""
    while start < end and text[start].isspace():
        start += 1
    m = _DEBRIS_HEAD.match(text, start, end)
    if m and text[:start].rstrip().endswith(":"):
        start = m.end()
    m = _DEBRIS_TAIL.search(text, start, end)
    if m:
        end = m.start()
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def passages(doc: Document) -> pd.DataFrame:
    """Split one document into passages: one row per heading, list item or sentence, with char offsets."""
    nlp = sentence_splitter()
    rows = []
    section = ""
    back_matter = False
    text = doc.text
    lines = list(_lines(text))
    paragraphs = []
    for no, start, end, line in lines:
        kind, label = _classify(line)
        if kind == "heading":
            section = label
            back_matter = back_matter or label in BACK_MATTER_HEADINGS
        paragraphs.append((no, start, end, line, kind, label, section, back_matter))

    prose = [p for p in paragraphs if p[4] == "paragraph"]
    parsed = dict(zip((p[0] for p in prose), nlp.pipe(p[3] for p in prose)))
    for no, start, end, line, kind, label, sect, back in paragraphs:
        if kind in ("title", "heading", "list_item"):
            offset = line.index(label)
            spans = [(start + offset, start + offset + len(label))]
        else:
            spans = []
            for sent in parsed[no].sents:
                s, e = _trim(text, start + sent.start_char, start + sent.end_char)
                if e - s >= 2:
                    spans.append((s, e))
        for i, (s, e) in enumerate(spans, start=1):
            rows.append({
                "passage_id": f"{doc.doc_id}-p{no:03d}-s{i:02d}",
                "doc_id": doc.doc_id,
                "paragraph_no": no,
                "sentence_no": i,
                "passage_type": {"paragraph": "sentence", "title": "heading"}.get(kind, kind),
                "char_start": s,
                "char_end": e,
                "paragraph_start": start,
                "paragraph_end": end,
                "section": sect if kind != "heading" else label,
                "back_matter": bool(back),
                "text": text[s:e],
            })
    return pd.DataFrame(rows)

"""Curated YAML files → validated records, each with its quote located in its text.

Belongs here: reading data/**/<kind>.yaml, parsing each record with its pydantic model, finding its quote,
checking ids and cross-references, and reporting every problem at once (file, record id, what is wrong).
Does not belong here: building frames (build.py) or anything the dashboard shows.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from dashboard.dates import edtf_problem, parse_when
from dashboard.schema import ID_FIELD, ID_PREFIX, KINDS, RECORD_MODELS, REFERENCES, UNQUOTED_KINDS, EventRecord

# PyYAML's safe loader in C (libyaml) where the wheel has it: the same documents, read about three times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

@dataclass(frozen=True)
class Problem:
    file: str
    record_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record_id}: {self.message}"


class BuildError(Exception):
    """The data could not be built; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the data:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Located:
    """One valid record, where it came from, and where its quote stands in its text."""

    kind: str
    record: object
    file: str
    char_start: int
    char_end: int

    @property
    def record_id(self) -> str:
        return getattr(self.record, ID_FIELD[self.kind]) if self.kind in ID_FIELD else ""


@dataclass
class Loaded:
    records: dict[str, list[Located]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)


def data_files(data_dir: Path) -> list[Path]:
    """Every curated YAML file below data_dir, in a stable order (texts/ holds no records)."""
    files = [p for p in data_dir.rglob("*.yaml") if "texts" not in p.relative_to(data_dir).parts]
    return sorted(files, key=lambda p: p.relative_to(data_dir).as_posix())


def _doc_from_folder(path: Path, data_dir: Path, doc_ids: set[str]) -> str | None:
    for part in path.relative_to(data_dir).parts[:-1]:
        if part in doc_ids:
            return part
    return None


def _find(text: str, quote: str, occurrence: int) -> int:
    pos = -1
    for _ in range(occurrence):
        pos = text.find(quote, pos + 1)
        if pos < 0:
            return -1
    return pos


def _describe(err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "record"
        msg = e["msg"].removeprefix("Value error, ")
        out.append(f"{loc}: {msg}")
    return out


def load_records(data_dir: Path, texts: dict[str, str]) -> Loaded:
    """Parse and check every record; never raises for bad data, but lists it in .problems."""
    loaded = Loaded()
    doc_ids = set(texts)
    for path in data_files(data_dir):
        rel = path.relative_to(data_dir).as_posix()
        kind = path.stem
        if kind == "documents":
            continue
        if kind not in KINDS:
            loaded.problems.append(Problem(rel, "-", f"unknown kind {kind!r}: a data file is named after one of "
                                                     f"{', '.join(KINDS)}"))
            continue
        try:
            items = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
        except yaml.YAMLError as e:
            loaded.problems.append(Problem(rel, "-", f"malformed YAML: {str(e).splitlines()[0]} "
                                                     f"({getattr(e, 'problem_mark', '')})".strip()))
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            loaded.problems.append(Problem(rel, "-", "a data file must be a YAML list of records"))
            continue
        folder_doc = _doc_from_folder(path, data_dir, doc_ids)
        for n, item in enumerate(items, start=1):
            _load_one(loaded, kind, rel, n, item, folder_doc, texts)
    _check_ids(loaded)
    _check_references(loaded)
    _check_movement_tags(loaded, texts)
    _check_voices(loaded)
    return loaded


def _load_one(loaded: Loaded, kind: str, rel: str, n: int, item: object, folder_doc: str | None,
              texts: dict[str, str]) -> None:
    if not isinstance(item, dict):
        loaded.problems.append(Problem(rel, f"record {n}", "is not a mapping of field: value"))
        return
    rid = str(item.get(ID_FIELD.get(kind, ""), "") or f"record {n}")
    item = dict(item)
    if kind in UNQUOTED_KINDS:  # points at records that carry the quotes (checked with the references)
        try:
            rec = RECORD_MODELS[kind].model_validate(item)
        except ValidationError as e:
            loaded.problems.extend(Problem(rel, rid, msg) for msg in _describe(e))
            return
        prefix = ID_PREFIX.get(kind)
        if prefix and not rid.startswith(prefix):
            loaded.problems.append(Problem(rel, rid, f"{ID_FIELD[kind]} must start with {prefix!r}"))
        loaded.records[kind].append(Located(kind, rec, rel, -1, -1))
        return
    if folder_doc:
        if item.get("doc_id", folder_doc) != folder_doc:
            loaded.problems.append(Problem(rel, rid, f"doc_id {item['doc_id']!r} differs from its folder "
                                                     f"{folder_doc!r}"))
            return
        item["doc_id"] = folder_doc
    try:
        rec = RECORD_MODELS[kind].model_validate(item)
    except ValidationError as e:
        for msg in _describe(e):
            loaded.problems.append(Problem(rel, rid, msg))
        return
    if rec.doc_id not in texts:
        loaded.problems.append(Problem(rel, rid, f"unknown doc_id {rec.doc_id!r}"))
        return
    for problem in _date_problems(rec):
        loaded.problems.append(Problem(rel, rid, problem))
    prefix = ID_PREFIX.get(kind)
    if prefix and not rid.startswith(prefix):
        loaded.problems.append(Problem(rel, rid, f"{ID_FIELD[kind]} must start with {prefix!r}"))
    start = _find(texts[rec.doc_id], rec.quote, rec.occurrence)
    if start < 0:
        what = "quote not found verbatim" if rec.occurrence == 1 else f"occurrence {rec.occurrence} of quote not found"
        loaded.problems.append(Problem(rel, rid, f"{what} in {rec.doc_id}: {rec.quote[:80]!r}"))
        return
    loaded.records[kind].append(Located(kind, rec, rel, start, start + len(rec.quote)))


def _date_problems(rec) -> list[str]:
    """What is wrong with a record's `when` and `when_refined` (EDTF strings), if anything."""
    out = []
    when = getattr(rec, "when", None)
    for name in ("when", "when_refined"):
        value = getattr(rec, name, None)
        if value is None:
            continue
        why = edtf_problem(value)
        if why is None:
            try:
                parse_when(value)
            except ValueError as e:
                why = str(e)
        if why:
            out.append(f"{name} {value!r} is not valid EDTF: {why}")
    if when is not None and (rec.year_start is not None or rec.year_end is not None):
        out.append("give the date as `when` or as year_start/year_end, not both")
    if getattr(rec, "when_refined", None) and not getattr(rec, "outside_text", None):
        out.append("when_refined needs outside_text saying where the refined date comes from")
    if isinstance(rec, EventRecord) and not when and not getattr(rec, "when_refined", None) and rec.year_start is None \
            and rec.year_end is None:
        out.append("an event needs a date: `when` as the text supports it, or, where the text gives none, "
                   "`when_refined` with outside_text")
    out += _open_note_problems(rec)
    out += _over_problems(rec)
    out += _vague_plural_problems(rec)
    return out


# A date_note reading as open ("from 1936", "after 1933", "until 1940") must go with an open end in `when`
# ('1936/..', '../1940'); words that close the range ("to 1939", "before", "1936–1938") say the reading is closed.
# An open word counts when a date follows it within a few words ("from late 1924", "after Stalin's death in 1953",
# "until her death in 1940"), not as a plain preposition ("expelled from the party", "set by the editor").
_DATE_AHEAD = r"(?=(?:\W+[\w'’]+){0,4}?\W+(?:1[89]\d\d|20[0-2]\d|late\b|early\b|mid-))"
_OPEN_END = re.compile(r"\b(from|after|since|over)\b" + _DATE_AHEAD + r"|\b(?:1[89]\d\d|20[0-2]\d)s?\s+onwards?\b",
                       re.I)
_CLOSES_END = re.compile(r"\b(to|until|till|through|before|end|ends|ended|and|within|during)\b|[–—]", re.I)
_OPEN_START = re.compile(r"\b(until|till|by|up to)\b" + _DATE_AHEAD, re.I)
_CLOSES_START = re.compile(r"\b(from|since|after|between|during|within|as of|read as)\b|[–—]", re.I)


def _open_note_problems(rec) -> list[str]:
    note = getattr(rec, "date_note", None)
    when = getattr(rec, "when", None)
    if not note or not when:
        return []
    try:
        w = parse_when(when)
    except ValueError:
        return []
    out = []
    closing = re.sub(r"open[- ]end(ed)?", "", note, flags=re.I)  # "(open-ended)" says open, it closes nothing
    m = _OPEN_END.search(note)
    if m and not w.end_open and not _CLOSES_END.search(closing):
        out.append(f"date_note {note!r} reads as open-ended ({m.group(0)!r}) but `when` {when!r} closes the end: "
                   f"write '{when.split('/')[0]}/..' or say in the note what closes it")
    m = _OPEN_START.search(note)
    if m and not w.start_open and not _CLOSES_START.search(closing):
        out.append(f"date_note {note!r} reads as open at the start ({m.group(0)!r}) but `when` {when!r} closes the "
                   f"start: write '../{when.split('/')[-1]}' or say in the note what closes it")
    return out


_NUMBER = re.compile(r"\b(over|more than|upwards of)\s+([0-9][0-9,.]*)\s*(million|thousand)?", re.I)
_SCALE = MappingProxyType({"million": 1_000_000, "thousand": 1_000})


def _over_problems(rec) -> list[str]:
    """'over N' is an open bound: an estimate whose high is that N (or whose qualifier says 'over') has it wrong."""
    if not hasattr(rec, "estimate_id") or rec.high is None:
        return []
    if (rec.qualifier or "").strip().lower() in ("over", "more than", "at least"):
        return [f"qualifier {rec.qualifier!r} is an open upper bound: leave high empty"]
    for m in _NUMBER.finditer(rec.quote):
        try:
            value = float(m.group(2).replace(",", "").rstrip(".")) * _SCALE.get((m.group(3) or "").lower(), 1)
        except ValueError:
            continue
        if value == rec.high:
            return [f"high {rec.high:g} is the quote's {m.group(0)!r}, an open bound: leave high empty (note why)"]
    return []


# Vague plural figures (data/README.md): the qualifier is the text's word, low the smallest number it allows (the
# plural of two units), high empty. "hundreds" is not "over 100".
VAGUE_PLURALS = MappingProxyType({"hundreds": 200, "thousands": 2_000, "tens of thousands": 20_000,
                                  "hundreds of thousands": 200_000, "millions": 2_000_000})
_VAGUE_IN_QUOTE = re.compile(r"\b(?:hundreds of thousands|tens of thousands|hundreds|thousands|millions)\b", re.I)


def _vague_plural_problems(rec) -> list[str]:
    if not hasattr(rec, "estimate_id"):
        return []
    qualifier = (rec.qualifier or "").strip().lower()
    if qualifier in VAGUE_PLURALS:
        want = VAGUE_PLURALS[qualifier]
        out = []
        if qualifier not in rec.quote.lower():
            out.append(f"qualifier {rec.qualifier!r} is not the quote's word")
        if rec.low != want or rec.high is not None:
            out.append(f"{rec.qualifier!r} reads as low {want:,}, high empty (data/README.md), not "
                       f"{rec.low!r}–{rec.high!r}")
        return out
    if qualifier in ("over", "more than", "at least") and _VAGUE_IN_QUOTE.search(rec.quote) \
            and rec.low in (100, 1_000, 10_000, 100_000, 1_000_000) and not _NUMBER.search(rec.quote):
        word = _VAGUE_IN_QUOTE.search(rec.quote).group(0).lower()
        return [f"the quote says {word!r}, not {qualifier!r} {rec.low:g}: write qualifier {word!r}, low "
                f"{VAGUE_PLURALS.get(word, 0):,}, high empty (data/README.md)"]
    return []


def _check_ids(loaded: Loaded) -> None:
    seen: Counter[str] = Counter()
    where: dict[str, list[str]] = defaultdict(list)
    for kind, recs in loaded.records.items():
        if kind not in ID_FIELD:
            continue
        for loc in recs:
            seen[loc.record_id] += 1
            where[loc.record_id].append(loc.file)
    for rid, count in seen.items():
        if count > 1:
            loaded.problems.append(Problem(where[rid][0], rid, f"duplicate id (also in {', '.join(where[rid][1:])})"))


def _check_references(loaded: Loaded) -> None:
    ids = {kind: {loc.record_id for loc in loaded.records.get(kind, [])} for kind in ID_FIELD}
    for kind, fld, target in REFERENCES:
        model = RECORD_MODELS.get(kind)
        if model is None or fld not in model.model_fields:  # derived by the build (a route's movements)
            continue
        for loc in loaded.records.get(kind, []):
            value = getattr(loc.record, fld)
            for ref in (value if isinstance(value, tuple) else (value,)):
                if ref is None or ref in ids[target]:
                    continue
                if fld == "holder_id":
                    msg = (f"unknown holder {ref!r}: a claim's holder_id is an actor id (add the holder to an "
                           "actors.yaml with the sentence that introduces them)")
                elif fld == "question_id":
                    msg = f"unknown question {ref!r} in question_id (questions are curated in questions.yaml)"
                else:
                    msg = f"unknown {target[:-1]} id {ref!r} in {fld}"
                loaded.problems.append(Problem(loc.file, loc.record_id, msg))
    _check_comparisons(loaded, ids)
    for loc in loaded.records.get("relations", []):
        if loc.record.source_id == loc.record.target_id:
            loaded.problems.append(Problem(loc.file, loc.record_id, "a relation links an actor to itself"))


# Kinds a curated comparison may set against each other: records that carry a date or a figure.
COMPARABLE_KINDS = ("events", "periods", "estimates", "routes", "relations")


def _check_comparisons(loaded: Loaded, ids: dict[str, set[str]]) -> None:
    """A curated comparison names two existing dated or counted records, of one kind (two dates or two figures)."""
    kind_of = {rid: kind for kind in COMPARABLE_KINDS for rid in ids.get(kind, ())}
    for loc in loaded.records.get("comparisons", []):
        rec = loc.record
        kinds = []
        for ref in rec.record_ids:
            if ref not in kind_of:
                loaded.problems.append(Problem(loc.file, loc.record_id, f"unknown record {ref!r} in record_ids (an "
                                               f"id of one of {', '.join(COMPARABLE_KINDS)})"))
            else:
                kinds.append("figure" if kind_of[ref] == "estimates" else "date")
        if len(set(rec.record_ids)) < len(rec.record_ids):
            loaded.problems.append(Problem(loc.file, loc.record_id, "record_ids names one record twice"))
        if len(set(kinds)) > 1:
            loaded.problems.append(Problem(loc.file, loc.record_id, "record_ids sets a figure (an estimate) against a "
                                           "date: compare two estimates, or two dated records"))


def _check_movement_tags(loaded: Loaded, texts: dict[str, str]) -> None:
    """Every actor–movement tag carries the sentence that gives it (located like every quote) or an outside_text."""
    for loc in loaded.records.get("actors", []):
        rec = loc.record
        tags: dict[str, list] = defaultdict(list)
        for tag in rec.movement_quotes:
            tags[tag.movement_id].append(tag)
            if tag.movement_id not in rec.movement_ids:
                loaded.problems.append(Problem(loc.file, loc.record_id, f"movement_quotes names {tag.movement_id!r}, "
                                                                         "which is not in movement_ids"))
            if tag.quote:
                doc = tag.doc_id or rec.doc_id
                if doc not in texts:
                    loaded.problems.append(Problem(loc.file, loc.record_id, f"unknown doc_id {doc!r} in the "
                                                                             f"{tag.movement_id!r} tag"))
                elif _find(texts[doc], tag.quote, tag.occurrence) < 0:
                    loaded.problems.append(Problem(loc.file, loc.record_id, f"quote of the {tag.movement_id!r} tag "
                                                   f"not found verbatim in {doc}: {tag.quote[:80]!r}"))
        for mid in rec.movement_ids:
            if not any(t.quote or t.outside_text for t in tags.get(mid, ())):
                loaded.problems.append(Problem(loc.file, loc.record_id, f"movement tag {mid!r} has neither a quote "
                                               "nor an outside_text note (movement_quotes)"))


# Verbs by which a sentence gives someone's view rather than something they did.
_ARGUE = (r"argued|argues|argue|have argued|has argued|wrote|writes|contends|contended|claimed|claims|claim|stated|"
          r"states|believed|believes|recalled|recalls|relates|related|noted|notes|said|says|considered|considers|"
          r"asserted|asserts|disputes|disputed|cited|cites|referenced|compared|gives the examples?|stressed|"
          r"emphasized|lamented|questions|views|sums up|cautioned|criticized the accounts")


def _argue_only(quote: str, names: list[str]) -> bool:
    """True when every mention of one of `names` in `quote` is as the author of a view ("X argued", "according to
    X", "by X's conception") and there is at least one."""
    spans, voice = [], []
    for n in names:
        for m in re.finditer(r"(?<!\w)" + re.escape(n) + r"(?!\w)", quote):
            spans.append(m)
    if not spans:
        return False
    for m in spans:
        before = quote[max(0, m.start() - 40):m.start()]
        after = quote[m.end():m.end() + 60]
        is_voice = bool(re.search(r"\baccording to\s+(\w+\s+){0,3}$", before, re.I)) or \
            bool(re.match(r"^(['’]s)?(\s+[\w.,'’]+){0,5}?\s+(" + _ARGUE + r")\b", after)) or \
            bool(re.match(r"^(['’]s)\s+(conception|view|thesis|account|work)", after))
        voice.append(is_voice)
    return all(voice)


def _check_voices(loaded: Loaded) -> None:
    """An actor in an event's actor_ids whom the quote shows only arguing belongs in according_to, unless the
    annotator confirms the argument is the event (argues_ok)."""
    names = {}
    for loc in loaded.records.get("actors", []):
        rec = loc.record
        names[rec.actor_id] = sorted({n for n in (rec.name, *rec.aliases) if n and len(n) > 2}, key=len,
                                     reverse=True)
    for loc in loaded.records.get("events", []):
        rec = loc.record
        for aid in rec.actor_ids:
            if aid in rec.argues_ok or aid not in names:
                continue
            if _argue_only(rec.quote, names[aid]):
                loaded.problems.append(Problem(loc.file, loc.record_id, f"{aid!r} only argues or writes in the quote: "
                                               "move it to according_to, or confirm it took part with "
                                               f"argues_ok: [{aid}]"))

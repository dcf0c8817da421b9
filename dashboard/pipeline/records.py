"""Curated YAML files → validated records, each with its quote located in its text.

Belongs here: reading data/**/<kind>.yaml, parsing each record with its pydantic model, finding its quote,
checking ids and cross-references, and reporting every problem at once (file, record id, what is wrong).
Does not belong here: building frames (build.py) or anything the dashboard shows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from dashboard.dates import edtf_problem, parse_when
from dashboard.schema import ID_FIELD, ID_PREFIX, KINDS, RECORD_MODELS


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
            items = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    return loaded


def _load_one(loaded: Loaded, kind: str, rel: str, n: int, item: object, folder_doc: str | None,
              texts: dict[str, str]) -> None:
    if not isinstance(item, dict):
        loaded.problems.append(Problem(rel, f"record {n}", "is not a mapping of field: value"))
        return
    rid = str(item.get(ID_FIELD.get(kind, ""), "") or f"record {n}")
    item = dict(item)
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
    return out


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
    rules = (
        ("events", "place_id", "places"), ("events", "actor_ids", "actors"), ("events", "movement_ids", "movements"),
        ("actors", "movement_ids", "movements"), ("relations", "source_id", "actors"),
        ("relations", "target_id", "actors"), ("routes", "origin_place_id", "places"),
        ("routes", "destination_place_id", "places"), ("routes", "event_id", "events"),
        ("estimates", "event_id", "events"), ("events", "according_to", "actors"),
        ("movements", "family_id", "movements"),
        ("relations", "according_to", "actors"), ("estimates", "according_to", "actors"),
    )
    for kind, fld, target in rules:
        for loc in loaded.records.get(kind, []):
            value = getattr(loc.record, fld)
            for ref in (value if isinstance(value, tuple) else (value,)):
                if ref is not None and ref not in ids[target]:
                    loaded.problems.append(Problem(loc.file, loc.record_id, f"unknown {target[:-1]} id {ref!r} "
                                                                             f"in {fld}"))
    for loc in loaded.records.get("relations", []):
        if loc.record.source_id == loc.record.target_id:
            loaded.problems.append(Problem(loc.file, loc.record_id, "a relation links an actor to itself"))

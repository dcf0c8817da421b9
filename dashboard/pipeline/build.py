"""Texts + curated records → validated frames, cached by content hash.

Belongs here: assembling the frames named in schema.FRAME_COLUMNS, deriving the few computed columns (mention
and tie counts, approximate places, a route's movements), validating with pandera, and the on-disk cache
(atomic write; a corrupted cache is rebuilt).
Does not belong here: the dashboard. The app reads frames through dashboard.frames.load_bundle, never this module.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from bisect import bisect_right
from pathlib import Path

import pandas as pd
import yaml

from dashboard import paths
from dashboard.pipeline.debates import disagreements
from dashboard.pipeline.mentions import find_mentions
from dashboard.pipeline.records import BuildError, Problem, load_records
from dashboard.pipeline.texts import Document, passages
from dashboard.dates import parse_when, when_of_years
from dashboard.schema import APPROXIMATE_PRECISIONS, FRAME_COLUMNS, ID_FIELD, LABEL_MAX_CHARS, frame_schemas

# Bump when the frames' layout changes so that old caches are not read.
CACHE_FORMAT = 6
_CODE_FILES = ("schema.py", "dates.py", "pipeline/texts.py", "pipeline/records.py", "pipeline/mentions.py",
               "pipeline/build.py", "pipeline/debates.py")


def load_documents(data_dir: Path) -> list[Document]:
    path = data_dir / "documents.yaml"
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise BuildError([Problem("documents.yaml", "-", f"cannot read: {e}")]) from e
    docs, problems = [], []
    for item in items or []:
        try:
            text_path = data_dir / item["path"]
            docs.append(Document(item["doc_id"], item["title"], text_path, item["licence"], item["credit"],
                                 text_path.read_text(encoding="utf-8")))
        except (KeyError, TypeError, OSError) as e:
            problems.append(Problem("documents.yaml", str(item.get("doc_id", "?")) if isinstance(item, dict) else "?",
                                    f"bad document record: {e!r}"))
    if problems:
        raise BuildError(problems)
    return docs


def content_hash(data_dir: Path) -> str:
    """Hash of everything the frames depend on: texts, data files and the build code."""
    h = hashlib.sha256(f"format {CACHE_FORMAT}".encode())
    files = sorted(data_dir.rglob("*"), key=lambda p: p.as_posix())
    for p in files:
        if p.is_file() and p.suffix in (".txt", ".yaml"):
            h.update(p.relative_to(data_dir).as_posix().encode())
            h.update(p.read_bytes())
    code_dir = Path(__file__).resolve().parent.parent
    for name in _CODE_FILES:
        h.update((code_dir / name).read_bytes())
    return h.hexdigest()[:20]


def _row(loc, passages_by_doc) -> dict:
    rec = loc.record
    row = rec.model_dump(exclude={"occurrence"})
    starts, pids, sections = passages_by_doc[rec.doc_id]
    i = max(bisect_right(starts, loc.char_start) - 1, 0)
    row.update(char_start=loc.char_start, char_end=loc.char_end, passage_id=pids[i], section=sections[i])
    return row


def _dates(r: dict) -> None:
    """`when` and its year bounds, and the same for `when_refined` (records.py has checked both strings).
    A record written with years only reads as the closed range they give (a single year when only the start)."""
    when = r.get("when") or when_of_years(r.get("year_start"), r.get("year_end") if r.get("year_end") is not None
                                          else r.get("year_start"))
    w = parse_when(when) if when else None
    r["when"] = when
    r["year_start"], r["year_end"] = (w.start, w.end) if w else (None, None)
    refined = parse_when(r["when_refined"]) if r.get("when_refined") else None
    r["when_refined"] = r.get("when_refined") or ""
    r["refined_year_start"], r["refined_year_end"] = (refined.start, refined.end) if refined else (None, None)


def _tag_text(tag: dict) -> str:
    """One actor–movement tag as a line: its quote, and/or its note from outside the texts."""
    parts = []
    if tag.get("quote"):
        parts.append(f"\u201c{tag['quote']}\u201d" + (f" ({tag['doc_id']})" if tag.get("doc_id") else ""))
    if tag.get("outside_text"):
        parts.append(f"outside the texts: {tag['outside_text']}")
    return f"{tag['movement_id']}: " + " · ".join(parts)


def short_label(title: str, limit: int = LABEL_MAX_CHARS) -> str:
    """A title shortened to `limit` characters at a word, for a label beside a mark ('…' when cut)."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    for sep in (": ", " (", ", ", " — ", " – "):
        head = title.split(sep)[0]
        if 8 <= len(head) <= limit:
            return head
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    cols = FRAME_COLUMNS[name]
    df = pd.DataFrame(rows, columns=[c.name for c in cols])
    for c in cols:
        if c.dtype == "integer":
            df[c.name] = df[c.name].astype("Int64")
        elif c.dtype == "number":
            df[c.name] = df[c.name].astype(float)
        elif c.dtype == "boolean":
            df[c.name] = df[c.name].fillna(False).astype(bool)
        elif c.dtype == "list":
            df[c.name] = pd.Series([tuple(v) if isinstance(v, (list, tuple)) else () for v in df[c.name]],
                                   index=df.index, dtype=object)
        elif c.dtype == "string" and not c.nullable:
            df[c.name] = df[c.name].fillna("").astype("str")
        elif c.dtype == "string":
            df[c.name] = df[c.name].astype("str")
    if name in ID_FIELD or name in ("documents", "passages", "mentions", "waivers", "disagreements"):
        df = df.sort_values(cols[0].name, kind="stable").reset_index(drop=True)
    return df


def build_frames(data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Build every frame from the texts and data files; raise BuildError listing every problem."""
    data_dir = Path(data_dir or paths.DATA_DIR)
    docs = load_documents(data_dir)
    texts = {d.doc_id: d.text for d in docs}
    loaded = load_records(data_dir, texts)
    if loaded.problems:
        raise BuildError(loaded.problems)
    recs = loaded.records

    passage_frame = pd.concat([passages(d) for d in docs], ignore_index=True)
    passages_by_doc = {}
    for doc_id, ps in passage_frame.groupby("doc_id", sort=False):
        ps = ps.sort_values("char_start")
        passages_by_doc[doc_id] = (ps["char_start"].tolist(), ps["passage_id"].tolist(), ps["section"].tolist())
    mentions = find_mentions(texts, passage_frame, recs)

    rows = {kind: [_row(loc, passages_by_doc) for loc in recs.get(kind, [])] for kind in
            ("movements", "periods", "events", "places", "routes", "actors", "relations", "estimates",
             "questions", "claims")}
    for r in rows["periods"] + rows["events"] + rows["routes"] + rows["relations"] + rows["estimates"]:
        _dates(r)
    uncut = []
    for r in rows["events"]:
        r["happening_id"] = r.get("happening_id") or r["event_id"]
        r["label"] = r.get("label") or short_label(r["title"])
        if r["label"].endswith("…"):  # a label cut short tells the room nothing: the annotator writes one
            uncut.append(Problem("events", r["event_id"], f"title {r['title']!r} is too long for a label "
                                                           f"(at most {LABEL_MAX_CHARS} characters): add `label:`"))
    if uncut:
        raise BuildError(uncut)
    family_color = {r["movement_id"]: r["color"] for r in rows["movements"] if not r.get("family_id")}
    for r in rows["movements"]:
        r["family_id"] = r.get("family_id") or r["movement_id"]
        r["color"] = r.get("color") or family_color.get(r["family_id"], "")
    for r in rows["places"]:
        r["approximate"] = r["precision"] in APPROXIMATE_PRECISIONS
    event_movements = {r["event_id"]: r["movement_ids"] for r in rows["events"]}
    for r in rows["routes"]:
        r["movement_ids"] = event_movements.get(r["event_id"], ())
    actor_mentions = mentions[mentions["entity_type"] == "actor"]["entity_id"].value_counts()
    ties = pd.concat([pd.Series([r["source_id"] for r in rows["relations"]], dtype=object),
                      pd.Series([r["target_id"] for r in rows["relations"]], dtype=object)]).value_counts()
    for r in rows["actors"]:
        r["movement_quotes"] = tuple(_tag_text(t) for t in r.get("movement_quotes") or ())
        r["mention_count"] = int(actor_mentions.get(r["actor_id"], 0))
        r["tie_count"] = int(ties.get(r["actor_id"], 0))
    claim_counts = pd.Series([r["question_id"] for r in rows["claims"]], dtype=object).value_counts()
    for r in rows["questions"]:
        r["claim_count"] = int(claim_counts.get(r["question_id"], 0))
    waiver_rows = []
    for loc in recs.get("waivers", []):
        r = _row(loc, passages_by_doc)
        waives = tuple(r.get("waives") or ("records",))
        r["waives"] = waives
        r["waiver_id"] = f"wv_{r['passage_id']}_{loc.char_start}" + ("" if waives == ("records",) else
                                                                     "_" + "_".join(waives))
        waiver_rows.append(r)

    frames = {
        "documents": _frame("documents", [
            {"doc_id": d.doc_id, "title": d.title, "path": d.path.relative_to(data_dir.parent).as_posix()
             if d.path.is_relative_to(data_dir.parent) else d.path.as_posix(),
             "sha256": d.sha256, "licence": d.licence, "credit": d.credit, "char_count": len(d.text),
             "text": d.text} for d in docs]),
        "passages": _frame("passages", passage_frame.to_dict("records")),
        "mentions": _frame("mentions", mentions.to_dict("records")),
        **{kind: _frame(kind, rows[kind]) for kind in rows},
        "waivers": _frame("waivers", waiver_rows),
    }
    frames["disagreements"] = _frame("disagreements", disagreements(
        frames, [loc.record.model_dump() for loc in recs.get("comparisons", [])]))
    import pandera.errors as pandera_errors  # only when building: serving reads the cache

    problems = []
    for name, df in frames.items():
        try:
            frame_schemas()[name].validate(df, lazy=True)
        except pandera_errors.SchemaErrors as e:
            for _, fc in e.failure_cases.iterrows():
                problems.append(Problem(f"frame {name}", str(fc.get("index", "-")),
                                        f"{fc.get('column')}: {fc.get('check')} failed ({fc.get('failure_case')})"))
    if problems:
        raise BuildError(problems)
    return frames


def _atomic_pickle(obj, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pkl")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_frames(data_dir: Path | None = None, cache_dir: Path | None = None,
                  force: bool = False) -> dict[str, pd.DataFrame]:
    """The built frames, from the cache when the texts, data and code are unchanged; else built and cached.

    A cache file that cannot be read (truncated, corrupted, from another version) is rebuilt from the texts.
    On a build error the previous cache is left untouched.
    """
    data_dir = Path(data_dir or paths.DATA_DIR)
    cache_dir = Path(cache_dir or paths.CACHE_DIR)
    key = content_hash(data_dir)
    target = cache_dir / f"frames-{key}.pkl"
    if target.exists() and not force:
        try:
            with target.open("rb") as f:
                payload = pickle.load(f)
            if payload.get("key") == key and set(payload["frames"]) == set(FRAME_COLUMNS):
                return payload["frames"]
        except Exception:  # noqa: BLE001 - any unreadable cache is rebuilt, never trusted
            pass
    frames = build_frames(data_dir)
    _atomic_pickle({"key": key, "frames": frames}, target)
    for old in cache_dir.glob("frames-*.pkl"):
        if old != target:
            old.unlink(missing_ok=True)
    return frames

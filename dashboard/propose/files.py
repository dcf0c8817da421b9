"""Draft records ↔ YAML files: writing a proposal for review, and building the corpus with the reviewed records.

Belongs here: the folder a proposal is written to — `DIR/<doc_id>/` holding `text.txt` (the text as read, UTF-8),
`documents.yaml` (its one document record) and one `<kind>.yaml` per kind of draft, in the data files' own format
(a YAML list of mappings, one record per block, quotes verbatim) — and `build_with`, which assembles a temporary
data folder from `data/` plus the reviewed records (status `accepted`, or also `proposed` when asked; `rejected`
never) with the review-only fields stripped, and builds it with the corpus's own build and checks.
Does not belong here: the curated files under data/, which nothing here writes (a proposal is never written
inside data/, and build_with works on a copy).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from dashboard import paths
from dashboard.pipeline.records import BuildError, Problem
from dashboard.propose.drafts import PROPOSAL_FIELDS, STATUSES, Proposal
from dashboard.propose.inputs import InputError
from dashboard.schema import KINDS

DRAFT_KINDS = ("events", "relations", "estimates", "actors", "places")
TEXT_FILE = "text.txt"
# Fields a new actor or place is proposed with empty, for the reviewer: a still-proposed record with one of them
# empty is left out even with include_proposed (an accepted one is refused by the build until they are filled).
UNFILLED = ("actor_type", "place_type", "lat", "lon", "precision", "coords_source")
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

_HEADER = """\
# Proposed by `python -m dashboard propose` from {source} ({kind}). Review every record: set `status: accepted`
# (or `rejected`) and correct what is wrong — type, title, label, dates, participants, place — against its quote.
# `status`, `confidence` (0–1, see dashboard/propose/drafts.py), `why` and `passage_id` are for review only; the
# build drops them. `python -m dashboard build --with {out}` builds the corpus with the accepted records added.
"""


def doc_id_for(path: Path, given: str | None, known: set[str]) -> str:
    """The proposal's document id: the one given, or a slug of the file's name; never one the corpus has."""
    doc_id = given or re.sub(r"[^a-z0-9]+", "_", Path(path).stem.lower()).strip("_")
    if doc_id and doc_id[0].isdigit():
        doc_id = "doc_" + doc_id
    if not _SLUG.match(doc_id or ""):
        raise InputError(f"document id {doc_id!r} is not a slug (lower-case letters, digits, _; at most 40; "
                         "starting with a letter): give one with --doc-id")
    if doc_id in known:
        raise InputError(f"document id {doc_id!r} is already a text of the corpus: give another with --doc-id")
    return doc_id


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def dump_records(records: list[dict]) -> str:
    """A YAML list of records, one block each, fields in their given order, long quotes on one line."""
    plain = [{k: _plain(v) for k, v in r.items()} for r in records]
    return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)


def proposal_files(proposal: Proposal, source: str, out_label: str,
                   records: dict[str, list[dict]] | None = None) -> dict[str, str]:
    """The files of a proposal folder as {file name: UTF-8 text}: the text, its document record and one
    `<kind>.yaml` per kind with drafts. `records` (kind → records as they will be written, e.g. reviewed in the
    "Add a text" page) replaces the drafts' own; `out_label` is the folder the header's build command names."""
    doc = [{"doc_id": proposal.doc_id, "title": proposal.title, "path": TEXT_FILE,
            "licence": "not stated: set the text's licence before committing",
            "credit": f"{proposal.title} (set the credit line before committing)"}]
    files = {TEXT_FILE: proposal.text,
             "documents.yaml": "# The text these proposals quote (path relative to this folder).\n"
                               + dump_records(doc)}
    for kind in DRAFT_KINDS:
        recs = records.get(kind, []) if records is not None else [dict(d.record) for d in proposal.of(kind)]
        if recs:
            files[f"{kind}.yaml"] = _HEADER.format(source=source, kind=kind, out=out_label) + dump_records(recs)
    return files


def write_proposal(proposal: Proposal, out_dir: Path, source: str, force: bool = False,
                   records: dict[str, list[dict]] | None = None) -> list[Path]:
    """Write the proposal under out_dir/<doc_id>/ (see proposal_files); refuse to write inside data/ or over an
    earlier proposal (a review may be in it) unless `force`."""
    out_dir = Path(out_dir)
    target = out_dir / proposal.doc_id
    if target.resolve().is_relative_to(paths.DATA_DIR.resolve()):
        raise InputError(f"{target} is inside the curated data folder {paths.DATA_DIR}: write proposals elsewhere "
                         "(--out)")
    if target.exists() and not force:
        raise InputError(f"{target} already exists (it may hold a review): choose another --out or --doc-id, or "
                         "pass --force to overwrite it")
    target.mkdir(parents=True, exist_ok=True)
    files = proposal_files(proposal, source, str(out_dir), records)
    for kind in DRAFT_KINDS:
        if f"{kind}.yaml" not in files:
            (target / f"{kind}.yaml").unlink(missing_ok=True)
    written = []
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
        written.append(target / name)
    return written


@dataclass(frozen=True)
class Added:
    doc_id: str
    folder: Path
    counts: tuple[tuple[str, int], ...]  # (kind, records added)
    left_out: int  # records not added (rejected, or proposed without --include-proposed)


def _proposal_folders(with_dir: Path) -> list[Path]:
    with_dir = Path(with_dir)
    if (with_dir / "documents.yaml").is_file():
        return [with_dir]
    return sorted(p for p in with_dir.iterdir() if p.is_dir() and (p / "documents.yaml").is_file()) \
        if with_dir.is_dir() else []


def _read_list(path: Path, problems: list[Problem]) -> list | None:
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        problems.append(Problem(str(path), "-", f"cannot read: {str(e).splitlines()[0]}"))
        return None
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(Problem(str(path), "-", "a data file must be a YAML list of records"))
        return None
    return items


def assemble(with_dirs: list[Path], data_dir: Path, dest: Path, include_proposed: bool = False) -> list[Added]:
    """Copy data_dir to dest and add the reviewed records of every proposal folder in with_dirs; raise BuildError
    listing every problem (with the proposal's own file names)."""
    data_dir = Path(data_dir)
    shutil.copytree(data_dir, dest, ignore=shutil.ignore_patterns(".*"))
    known = {d["doc_id"] for d in yaml.safe_load((data_dir / "documents.yaml").read_text(encoding="utf-8")) or []}
    problems: list[Problem] = []
    added, new_docs = [], []
    folders = [f for w in with_dirs for f in _proposal_folders(w)]
    for w in with_dirs:
        if not _proposal_folders(w):
            problems.append(Problem(str(w), "-", "no proposal here: a folder written by `python -m dashboard propose` "
                                                 "(holding documents.yaml and text.txt), or a folder of them"))
    keep = ("accepted", "proposed") if include_proposed else ("accepted",)
    for folder in folders:
        docs = _read_list(folder / "documents.yaml", problems) or []
        if len(docs) != 1 or not isinstance(docs[0], dict) or not docs[0].get("doc_id"):
            problems.append(Problem(str(folder / "documents.yaml"), "-", "must hold one document record with a doc_id"))
            continue
        doc = dict(docs[0])
        doc_id = str(doc["doc_id"])
        if doc_id in known:
            problems.append(Problem(str(folder / "documents.yaml"), doc_id, "this doc_id is already a text of the "
                                    "corpus (or of another proposal): rename it here and in the folder's name"))
            continue
        known.add(doc_id)
        text_path = folder / str(doc.get("path") or TEXT_FILE)
        try:
            text = text_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(Problem(str(text_path), doc_id, f"cannot read the text: {e}"))
            continue
        (dest / "texts" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        doc["path"] = f"texts/{doc_id}.txt"
        new_docs.append(doc)
        counts, left_out = [], 0
        for path in sorted(folder.glob("*.yaml")):
            kind = path.stem
            if kind == "documents":
                continue
            if kind not in KINDS:
                problems.append(Problem(str(path), "-", f"unknown kind {kind!r}"))
                continue
            items = _read_list(path, problems)
            if items is None:
                continue
            out = []
            for n, item in enumerate(items, start=1):
                if not isinstance(item, dict):
                    problems.append(Problem(str(path), f"record {n}", "is not a mapping of field: value"))
                    continue
                status = item.get("status", "accepted")
                if status not in STATUSES:
                    problems.append(Problem(str(path), str(next(iter(item.values()), f"record {n}")),
                                            f"status {status!r} is not one of {', '.join(STATUSES)}"))
                    continue
                if status not in keep or (status == "proposed" and any(item.get(f, "") is None for f in UNFILLED)):
                    left_out += 1
                    continue
                out.append({k: v for k, v in item.items() if k not in PROPOSAL_FIELDS})
            if out:
                (dest / doc_id).mkdir(exist_ok=True)
                (dest / doc_id / f"{kind}.yaml").write_text(dump_records(out), encoding="utf-8")
            counts.append((kind, len(out)))
        added.append(Added(doc_id, folder, tuple(counts), left_out))
    if problems:
        raise BuildError(problems)
    with (dest / "documents.yaml").open("a", encoding="utf-8") as f:
        f.write("\n" + dump_records(new_docs))
    return added


def _own_names(err: BuildError, added: list[Added], dest: Path) -> BuildError:
    """The build's problems with the temporary folder's file names replaced by the proposal's own."""
    where = {a.doc_id: a.folder for a in added}
    out = []
    for p in err.problems:
        head = p.file.split("/", 1)
        if len(head) == 2 and head[0] in where:
            out.append(Problem(str(where[head[0]] / head[1]), p.record_id, p.message))
        else:
            out.append(Problem(p.file.replace(str(dest), "<corpus>"), p.record_id, p.message))
    return BuildError(out)


def build_with(with_dirs: list[Path], data_dir: Path | None = None, include_proposed: bool = False,
               accepted_out: Path | None = None):
    """Build the corpus with the reviewed records of `with_dirs` added, applying every check of the build.
    Returns (frames, added); raises BuildError. With `accepted_out`, also writes the added records there in
    data/'s own layout (<doc_id>/<kind>.yaml, texts/<doc_id>.txt, documents.yaml to append), ready to commit."""
    from dashboard.pipeline.build import build_frames

    data_dir = Path(data_dir or paths.DATA_DIR)
    with tempfile.TemporaryDirectory(prefix="dashboard-with-") as tmp:
        dest = Path(tmp) / "data"
        added = assemble([Path(w) for w in with_dirs], data_dir, dest, include_proposed)
        try:
            frames = build_frames(dest)
        except BuildError as e:
            raise _own_names(e, added, dest) from None
        if accepted_out is not None:
            _export(added, dest, Path(accepted_out))
    return frames, added


def _export(added: list[Added], dest: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "texts").mkdir(exist_ok=True)
    docs = []
    for a in added:
        shutil.copy(dest / "texts" / f"{a.doc_id}.txt", out / "texts" / f"{a.doc_id}.txt")
        if (dest / a.doc_id).is_dir():
            shutil.copytree(dest / a.doc_id, out / a.doc_id, dirs_exist_ok=True)
        folder_docs = yaml.safe_load((a.folder / "documents.yaml").read_text(encoding="utf-8"))
        docs += [{**d, "path": f"texts/{a.doc_id}.txt"} for d in folder_docs]
    (out / "documents.yaml").write_text("# Append these records to data/documents.yaml.\n" + dump_records(docs),
                                        encoding="utf-8")

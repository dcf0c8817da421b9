"""What "Download data" hands out: the records the filters show, or the whole data package, as a zip of CSVs with
a Frictionless descriptor (datapackage.json) and a README.txt.

Belongs here: restricting the frames to what a selection shows, writing the zips (deterministic bytes: fixed
timestamps, fixed order, so the same inputs give the same download, cacheable and testable) and their file names.
Pure: never imports dash; the callback hands the bytes to `dcc.send_bytes`.
Does not belong here: what a selection shows (dashboard.selection.shown), CSV and descriptor conventions
(dashboard.pipeline.export, reused as is), file-name rules (dashboard.filenames).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from types import MappingProxyType

import numpy as np
import pandas as pd

from dashboard.filenames import export_name
from dashboard.pipeline.export import FIELD_FILES, LIST_SEPARATOR, datapackage, field_files, to_csv_frame
from dashboard.schema import FRAME_COLUMNS, FRAME_NAMES, PRIMARY_KEY
from dashboard.selection import Selection, Shown, Vocab, summary, to_query
from dashboard.formatting import KIND_LABELS
from dashboard.views.table import record_title

# The earliest time a zip entry can hold: every entry gets it, so the bytes do not depend on when they were made.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# zlib level: 6 is zlib's default; fixed here so the bytes do not depend on a library default.
ZIP_LEVEL = 6
LICENCE = "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
# Frames of a filtered download, in the order of the schema (FRAME_NAMES).
SHOWN_FRAMES = tuple(n for n in FRAME_NAMES if n in
                     ("documents", "movements", "events", "places", "routes", "actors", "relations", "estimates"))
# Frames restricted by their shown ids (relations add the faded ties: below).
_BY_IDS = ("events", "places", "routes", "actors", "estimates")
_TITLE = "Stalinism and the anti-Stalinist left: records derived from two encyclopedic texts"


def _columns(name: str) -> list[str]:
    return [c.name for c in FRAME_COLUMNS[name]]


def _restrict(df: pd.DataFrame, name: str, ids=(), mask=None) -> pd.DataFrame:
    """The rows of `df` where `mask` (aligned with `df`) is true, or else whose primary key is in `ids`, in frame
    order, with the schema's columns only."""
    if mask is not None:
        out = df[np.asarray(mask, dtype=bool)]
    else:
        ids = set(ids)
        out = df[df[PRIMARY_KEY[name]].isin(ids)] if ids else df.iloc[:0]
    return out[_columns(name)].reset_index(drop=True)


def _mask(shown: Shown, *names: str) -> np.ndarray:
    """The rows Shown shows of a frame (or of any of several masks of one frame)."""
    return np.logical_or.reduce([np.asarray(shown.masks[n], dtype=bool) for n in names])


def shown_frames(bundle, shown: Shown) -> dict[str, pd.DataFrame]:
    """Each frame restricted to what the filters show, in the schema's column order, keyed in SHOWN_FRAMES order.

    relations holds the ties drawn at full strength and the faded ones (outside the period, drawn faded in the
    network): a tie's years tell which. movements and documents hold those the shown records reference. Other
    references (an event's actors, a route's places) may point to records the filters do not show: the full
    package has every record.
    """
    out: dict[str, pd.DataFrame] = {}
    for name in _BY_IDS:
        out[name] = _restrict(bundle.frame(name), name, mask=_mask(shown, name))
    out["relations"] = _restrict(bundle.relations, "relations", mask=_mask(shown, "relations", "relations_faded"))
    movement_ids = {m for name in ("events", "routes", "actors") for ids in out[name]["movement_ids"].tolist()
                    for m in ids}
    out["movements"] = _restrict(bundle.movements, "movements", movement_ids)
    doc_ids = {d for df in out.values() for d in df["doc_id"].unique().tolist()}
    out["documents"] = _restrict(bundle.documents, "documents", doc_ids)
    return {name: out[name] for name in SHOWN_FRAMES}


def _csv_bytes(df: pd.DataFrame, name: str) -> bytes:
    # '\n' line ends whatever the platform (pandas defaults to os.linesep)
    return to_csv_frame(df, name).to_csv(index=False, lineterminator="\n").encode("utf-8")


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permissions below mean the same everywhere
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            zf.writestr(info, data, compresslevel=ZIP_LEVEL)
    return buf.getvalue()


def _package(frames: dict[str, pd.DataFrame], documents: pd.DataFrame, description: str,
             extra: list[tuple[str, bytes]] = ()) -> list[tuple[str, bytes]]:
    """datapackage.json, one CSV per frame and the `extra` field-format files (pipeline.export.FIELD_FILES); the
    descriptor lists exactly those files, with their size and SHA-256."""
    csvs = [(f"{name}.csv", _csv_bytes(df, name)) for name, df in frames.items()]
    pkg = datapackage(list(frames), documents, extra)
    pkg["description"] = description
    for res, (_, data) in zip(pkg["resources"], csvs):
        res["bytes"] = len(data)
        res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    descriptor = (json.dumps(pkg, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return [("datapackage.json", descriptor), *csvs, *extra]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _readme(heading: str, lines: list[str], frames: dict[str, pd.DataFrame], documents: pd.DataFrame,
            extra: tuple[str, ...] = ()) -> bytes:
    width = max(len(n) for n in ["datapackage.json", *(f"{name}.csv" for name in frames), *extra])
    files = [f"  {(name + '.csv').ljust(width)}  {_plural(len(df), 'row')}" for name, df in frames.items()]
    what = {f[0]: f[4].split(". Read by ")[-1].rstrip(".") for f in FIELD_FILES}
    files += [f"  {name.ljust(width)}  for {what[name]}" for name in extra]
    credits = [f"  {c}" for c in documents["credit"]]
    text = "\n".join([
        _TITLE, heading, "",
        *lines, "",
        "Files",
        f"  {'datapackage.json'.ljust(width)}  Frictionless data package: every file, column, type and meaning",
        *files, "",
        "How to read the records",
        "  Every record quotes, verbatim, the sentence (or clause) of the text that states it: the quote column,",
        "  with doc_id (which text), char_start and char_end (character offsets into that text), passage_id and",
        "  section. Nothing in a record goes beyond its quote except what its outside_text column says, and the",
        "  places' coordinates, whose origin is in coords_source: both come from outside the texts.",
        f"  List columns (movement_ids, actor_ids, aliases) are joined by '{LIST_SEPARATOR}'.",
        "",
        "Sources",
        *credits, "",
        "Licence",
        "  The texts and everything derived from them here:",
        f"  {LICENCE}",
        f"  {LICENCE_URL}",
        "  Credit the sources above and share what you make from this data under the same licence.",
        "",
    ])
    return text.encode("utf-8")


def _selected_text(bundle, record_id: str) -> str:
    """'Actor: Leon Trotsky (trotsky)'."""
    found = bundle.record(record_id)
    if found is None:
        return record_id
    kind, row = found
    label = KIND_LABELS.get(kind, kind)
    title = record_title(bundle, record_id) or (row.get("label") if isinstance(row.get("label"), str) else "")
    return f"{label}: {title} ({record_id})" if title else f"{label}: {record_id}"


def shown_zip(bundle, sel: Selection, vocab: Vocab, shown: Shown, *, today: dt.date | None = None) -> bytes:
    """A zip of the records the filters show: README.txt, datapackage.json, one CSV per frame of SHOWN_FRAMES.

    The bytes depend only on the inputs and `today` (the date the README gives; today's date when None): pass it
    to pin the bytes, e.g. in tests or a cache keyed on the date.
    """
    frames = shown_frames(bundle, shown)
    line = summary(bundle, sel, vocab, shown)
    docs = frames["documents"] if len(frames["documents"]) else bundle.documents
    selected = _selected_text(bundle, sel.selected) if sel.selected else "none"
    n_faded = shown.count("relations_faded")
    lines = [
        f"Filters:    {line}",
        f"Selected:   {selected}",
        f"Query:      {to_query(sel) or '(none: the whole corpus)'}   (add it to the dashboard's address to see "
        "this view)",
        f"Downloaded: {(today or dt.date.today()).isoformat()}",
        "",
        "Only the records the filters show; references to other records (an event's actors, a route's places,",
        "a tie's actors) may point outside this download: the full data package has every record.",
    ]
    if n_faded:
        lines.append(f"relations.csv also holds {_plural(n_faded, 'tie')} outside the period that the network draws "
                     "faded (their years fall outside it).")
    files = _package(frames, docs, f"The records shown by the dashboard for: {line}")
    readme = _readme("Data shown by the dashboard's filters", lines, frames, docs)
    return _zip([("README.txt", readme), *files])


def package_zip(bundle, positions=None) -> bytes:
    """The full data package: every frame of the schema (FRAME_NAMES), the field-format files (places as Linked
    Places, the network as GEXF and GraphML, the sources as CSL-JSON and BibTeX: pipeline.export.FIELD_FILES),
    datapackage.json and README.txt. The same bundle always gives the same bytes (no date in it), so it can be built
    once per process and cached. `positions`: the network layout as drawn, when the caller has it."""
    frames = {name: bundle.frame(name)[_columns(name)] for name in FRAME_NAMES}
    docs = bundle.documents
    lines = [
        "Every record of the dashboard, with the texts' sentences (passages), the mentions of actors, places,",
        "movements and years found in them, and the sentences that need no record (waivers).",
    ]
    extra = field_files(bundle, positions)
    files = _package(frames, docs, "Every record derived from the two texts, with their passages and mentions, and "
                     "the places, the network and the sources in the formats of the field's tools.", extra)
    readme = _readme("The full data package", lines, frames, docs, tuple(name for name, _ in extra))
    return _zip([("README.txt", readme), *files])


# What each field-format button hands out: (the file name's view word, its extension).
FIELD_DOWNLOADS = MappingProxyType({"lpf": ("places", "lpf.json"), "gexf": ("network", "gexf"),
                                    "graphml": ("network", "graphml"), "csl": ("sources", "csl.json"),
                                    "bib": ("sources", "bib")})


def field_filename(kind: str, sel: Selection) -> str:
    """`places_1936-1938_trotskyism.lpf.json`, `network_all-years.gexf`; `sources.bib` (the texts, whatever the
    filters)."""
    view, ext = FIELD_DOWNLOADS[kind]
    if view == "sources":
        return f"{view}.{ext}"
    return export_name(view, sel, "x")[:-2] + "." + ext


def field_download(bundle, sel: Selection, sh: Shown, kind: str, *, positions=None,
                   today: dt.date | None = None) -> tuple[bytes, str]:
    """(bytes, file name) of one field-format download: the places or the network the filters show (as Linked
    Places, GEXF or GraphML, the ties' years read as `sel.dates` says), or the two source texts as CSL-JSON or
    BibTeX with `today` (today's date when None) as their access date. KeyError for an unknown kind."""
    from dashboard import field_formats as ff

    name = field_filename(kind, sel)
    if kind == "lpf":
        data = (json.dumps(ff.places_lpf(bundle, sh), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    elif kind in ("gexf", "graphml"):
        build = ff.network_gexf if kind == "gexf" else ff.network_graphml
        data = build(bundle, sh, positions=positions, dates=sel.dates)
    else:
        day = today or dt.date.today()
        data = ((json.dumps(ff.sources_csl(bundle, day), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
                if kind == "csl" else ff.sources_bibtex(bundle, day).encode("utf-8"))
    return data, name


def data_filename(sel: Selection) -> str:
    """`data_1936-1938_trotskyism.zip`: the view 'data' and the filters (see dashboard.filenames.export_name)."""
    return export_name("data", sel, "zip")


def package_filename() -> str:
    """`data-package_all-years.zip`."""
    return export_name("data-package", Selection(), "zip")

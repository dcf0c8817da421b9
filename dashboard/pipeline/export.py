"""Frames → one CSV per frame plus a Frictionless data package (datapackage.json) describing every column, and the
same records in the field's own formats beside them (dashboard.field_formats: Linked Places, GEXF, GraphML, CSL-JSON,
BibTeX), listed in the package too."""

from __future__ import annotations

from types import MappingProxyType

import hashlib
import json
from pathlib import Path

import pandas as pd

from dashboard.schema import FRAME_COLUMNS, PRIMARY_KEY

_FRICTIONLESS_TYPE = MappingProxyType({"string": "string", "integer": "integer", "number": "number",
                                       "boolean": "boolean", "list": "string"})
LIST_SEPARATOR = ";"
# The files in the field's formats: (file name, resource name, format, media type, what it holds and what reads it).
FIELD_FILES = (
    ("places.lpf.json", "places-lpf", "json", "application/ld+json",
     "The places as Linked Places Format v1.1 (GeoJSON-LD): names, types, point with its certainty and source, the "
     "dates of the events and routes there, the sentences that cite them. Read by the World Historical Gazetteer, "
     "Peripleo and any GeoJSON tool."),
    ("network.gexf", "network-gexf", "gexf", "application/gexf+xml",
     "The faction network as GEXF 1.2: actors with type, movement family, colour, tie count and position as drawn; "
     "ties with their type and their years as dynamic intervals. Read by Gephi (its timeline plays the ties)."),
    ("network.graphml", "network-graphml", "graphml", "application/graphml+xml",
     "The same network as GraphML, with the same attributes as plain data keys. Read by yEd, Cytoscape, igraph."),
    ("sources.csl.json", "sources-csl", "json", "application/vnd.citationstyles.csl+json",
     "The two source texts as CSL-JSON. Read by Zotero and any reference manager."),
    ("sources.bib", "sources-bibtex", "bib", "application/x-bibtex",
     "The two source texts as BibTeX. Read by BibTeX, biblatex and any reference manager."),
)


def to_csv_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """A copy with list columns joined by ';' (ids never contain one)."""
    out = df.copy()
    for col in FRAME_COLUMNS[name]:
        if col.dtype == "list" and col.name in out:
            out[col.name] = out[col.name].map(lambda v: LIST_SEPARATOR.join(v))
    return out


def field_files(bundle, positions=None) -> list[tuple[str, bytes]]:
    """The FIELD_FILES' bytes for a bundle, in FIELD_FILES' order (the same bundle gives the same bytes: no date in
    them). `positions`: the network layout when the caller has it (computed from the bundle otherwise)."""
    from dashboard.field_formats import network_gexf, network_graphml, places_lpf, sources_bibtex, sources_csl
    from dashboard.views.network import network_positions

    # the force layout takes about a second: once for both network files
    positions = positions if positions is not None else network_positions(bundle)

    def as_json(obj) -> bytes:
        return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    made = {
        "places.lpf.json": lambda: as_json(places_lpf(bundle)),
        "network.gexf": lambda: network_gexf(bundle, positions=positions),
        "network.graphml": lambda: network_graphml(bundle, positions=positions),
        "sources.csl.json": lambda: as_json(sources_csl(bundle)),
        "sources.bib": lambda: sources_bibtex(bundle).encode("utf-8"),
    }
    return [(name, made[name]()) for name, *_ in FIELD_FILES]


def _sources(documents: pd.DataFrame) -> list[dict]:
    """The package's sources: each text's credit line, its address and its licence."""
    from dashboard.field_formats import source_url

    out = []
    for doc in documents.to_dict("records"):
        src = {"title": doc["credit"]}
        url = source_url(doc)
        if url:
            src["path"] = url
        src["licence"] = doc["licence"]
        out.append(src)
    return out


def datapackage(names, documents: pd.DataFrame, files=()) -> dict:
    """The Frictionless descriptor: one tabular resource per frame in `names`, then one resource per field-format
    file in `files` ((file name, bytes) pairs of FIELD_FILES, with their size and SHA-256); the sources, licence and
    the dashboard's version."""
    from dashboard import __version__

    resources = []
    for name in names:
        fields = []
        for col in FRAME_COLUMNS[name]:
            f = {"name": col.name, "type": _FRICTIONLESS_TYPE[col.dtype], "description": col.description}
            if col.dtype == "list":
                f["description"] += f" (a list, joined by '{LIST_SEPARATOR}')"
            if not col.nullable and col.dtype != "string":
                f["constraints"] = {"required": True}
            fields.append(f)
        resources.append({"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": {"fields": fields, "primaryKey": [PRIMARY_KEY[name]]}})
    meta = {f[0]: f for f in FIELD_FILES}
    for path, data in files:
        _, name, fmt, mediatype, description = meta[path]
        resources.append({"name": name, "path": path, "profile": "data-resource", "format": fmt,
                          "mediatype": mediatype, "encoding": "utf-8", "description": description,
                          "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()})
    return {
        # a tabular package holds tabular resources only: with the field formats it is a plain data package
        "profile": "data-package" if files else "tabular-data-package",
        "name": "stalinism-and-the-anti-stalinist-left",
        "title": "Stalinism and the anti-Stalinist left: records derived from two encyclopedic texts",
        "version": __version__,
        "licenses": [{"name": "CC-BY-SA-4.0", "title": "Creative Commons Attribution-ShareAlike 4.0",
                      "path": "https://creativecommons.org/licenses/by-sa/4.0/"}],
        "sources": _sources(documents),
        "resources": resources,
    }


def export(frames: dict[str, pd.DataFrame], out_dir: Path, names=None, *, positions=None,
           field_formats: bool = True) -> list[Path]:
    """One CSV per frame, the FIELD_FILES (unless `field_formats` is false) and datapackage.json listing them all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(names or FRAME_COLUMNS)
    written = []
    for name in names:
        path = out_dir / f"{name}.csv"
        to_csv_frame(frames[name], name).to_csv(path, index=False)
        written.append(path)
    files = []
    if field_formats:
        from dashboard.frames import bundle_from_frames

        files = field_files(bundle_from_frames(frames), positions)
        for file_name, data in files:
            (out_dir / file_name).write_bytes(data)
            written.append(out_dir / file_name)
    pkg = out_dir / "datapackage.json"
    pkg.write_text(json.dumps(datapackage(names, frames["documents"], files), indent=2, ensure_ascii=False),
                   encoding="utf-8")
    written.append(pkg)
    return written

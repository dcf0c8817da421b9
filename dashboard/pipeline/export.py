"""Frames → one CSV per frame plus a Frictionless data package (datapackage.json) describing every column."""

from __future__ import annotations

from types import MappingProxyType

import json
from pathlib import Path

import pandas as pd

from dashboard.schema import FRAME_COLUMNS, PRIMARY_KEY

_FRICTIONLESS_TYPE = MappingProxyType({"string": "string", "integer": "integer", "number": "number",
                                       "boolean": "boolean", "list": "string"})
LIST_SEPARATOR = ";"


def to_csv_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """A copy with list columns joined by ';' (ids never contain one)."""
    out = df.copy()
    for col in FRAME_COLUMNS[name]:
        if col.dtype == "list" and col.name in out:
            out[col.name] = out[col.name].map(lambda v: LIST_SEPARATOR.join(v))
    return out


def datapackage(names, documents: pd.DataFrame) -> dict:
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
    return {
        "profile": "tabular-data-package",
        "name": "stalinism-and-the-anti-stalinist-left",
        "title": "Stalinism and the anti-Stalinist left: records derived from two encyclopedic texts",
        "licenses": [{"name": "CC-BY-SA-4.0", "title": "Creative Commons Attribution-ShareAlike 4.0",
                      "path": "https://creativecommons.org/licenses/by-sa/4.0/"}],
        "sources": [{"title": row.credit} for row in documents.itertuples()],
        "resources": resources,
    }


def export(frames: dict[str, pd.DataFrame], out_dir: Path, names=None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(names or FRAME_COLUMNS)
    written = []
    for name in names:
        path = out_dir / f"{name}.csv"
        to_csv_frame(frames[name], name).to_csv(path, index=False)
        written.append(path)
    pkg = out_dir / "datapackage.json"
    pkg.write_text(json.dumps(datapackage(names, frames["documents"]), indent=2, ensure_ascii=False), encoding="utf-8")
    written.append(pkg)
    return written

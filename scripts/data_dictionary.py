"""Rewrite the README's data dictionary (one table per frame) from dashboard.schema.FRAME_COLUMNS.

Run after changing a frame's columns: `python scripts/data_dictionary.py`. tests/test_docs.py fails when the
README lacks a column.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.schema import FRAME_COLUMNS  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"


def table(name: str) -> str:
    rows = ["| column | type | meaning |", "| --- | --- | --- |"]
    for c in FRAME_COLUMNS[name]:
        kind = c.dtype + (" (may be empty)" if c.nullable else "")
        rows.append(f"| `{c.name}` | {kind} | {c.description.replace('|', '/')} |")
    return "\n".join(rows)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    for name in FRAME_COLUMNS:
        pattern = re.compile(rf"(^#### `{name}`\n(?:[^|#].*\n|\n)*?)"
                             r"(\| column \| type \| meaning \|\n(?:\|.*\n)+)", re.M)
        m = pattern.search(text)
        if not m:
            print(f"no table for {name} in README.md", file=sys.stderr)
            return 1
        text = text[: m.start(2)] + table(name) + "\n" + text[m.end(2):]
    README.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

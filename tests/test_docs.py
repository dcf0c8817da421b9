"""Keep the docs honest: every frame column is in the README's data dictionary; the README shows the commands."""

from __future__ import annotations

import re

from dashboard import paths
from dashboard.schema import FRAME_COLUMNS


def _readme() -> str:
    return (paths.REPO / "README.md").read_text(encoding="utf-8")


def test_every_frame_column_in_data_dictionary():
    text = _readme()
    missing = []
    for name, cols in FRAME_COLUMNS.items():
        m = re.search(rf"^#### `{name}`\n(.*?)(?=^#### |^## |\Z)", text, re.S | re.M)
        assert m, f"README has no data dictionary section for {name}"
        for c in cols:
            if f"`{c.name}`" not in m.group(1):
                missing.append(f"{name}.{c.name}")
    assert not missing, missing


def test_readme_quick_start_is_two_commands():
    text = _readme()
    assert "make run" in text and "make test" in text


def test_texts_shipped_with_licence_note():
    readme = (paths.DATA_DIR / "texts" / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in readme
    for name in ("stalinism.txt", "anti_stalinist_left.txt"):
        assert name in readme


def test_no_merge_conflict_markers_left():
    """No tracked text file holds a merge's conflict markers."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    bad = []
    for name in files:
        if not name.endswith((".py", ".md", ".yaml", ".yml", ".css", ".js", ".txt", ".toml", ".json")):
            continue
        try:
            lines = (root / name).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        bad += [f"{name}:{i + 1}" for i, line in enumerate(lines)
                if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "======="]
    assert not bad, bad


def test_lock_pins_every_declared_dependency():
    """requirements.lock (what `make` installs) pins every dependency pyproject.toml declares, the test tools too
    (ruff runs in `make test`)."""
    import re
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    pinned = {norm(line.split("==")[0]) for line in (root / "requirements.lock").read_text().splitlines()
              if "==" in line}
    wanted = {norm(re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0]) for d in declared}
    assert wanted <= pinned, sorted(wanted - pinned)

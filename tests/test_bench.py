"""The shipped benchmark runs end to end (`bench --quick`) and writes every figure; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys

from dashboard import paths
from tools.bench import synthetic_frames

FIELDS = ("filter_server_ms_p50", "filter_server_ms_p95", "filter_payload_kb_p95", "browser_update_ms_p50",
          "browser_update_ms_p95", "panels_server_ms_p50", "panels_server_ms_p95")


def test_synthetic_corpus_keeps_references(frames):
    big = synthetic_frames(frames, 3)
    assert len(big["events"]) == 3 * len(frames["events"])
    assert big["events"]["event_id"].is_unique and big["relations"]["relation_id"].is_unique
    actors = set(big["actors"]["actor_id"])
    assert set(big["relations"]["source_id"]) <= actors and set(big["relations"]["target_id"]) <= actors
    places = set(big["places"]["place_id"])
    assert set(big["events"]["place_id"].dropna()) <= places
    assert big["events"]["year_start"].between(1800, 2030).all()


def test_bench_quick_writes_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, "-m", "dashboard", "bench", "--quick", "--json", str(out)], cwd=paths.REPO,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    for key in ("build_s", "cold_start_s", "bare_import_s"):
        assert result[key] > 0
    assert [s["scale"] for s in result["scales"]] == [1, 10]
    for s in result["scales"]:
        assert s["records"] > 0 and all(s[f] > 0 for f in FIELDS)
    assert "| 1× |" in r.stdout


def test_bench_huge_row_is_measured_in_a_process_of_its_own():
    # --huge's path (1000× in a process of its own, with its memory), at a small scale
    from tools.bench import huge_figures

    row = huge_figures(browser=False, scale=2, calls=3)
    assert row["scale"] == 2 and row["records"] > 0 and row["prepare_s"] >= 0
    assert row["rss_peak_mb"] >= row["rss_mb"] > 100
    assert row["memo_full_rss_peak_mb"] >= row["memo_full_rss_mb"] > 100
    assert all(row[f] > 0 for f in FIELDS if not f.startswith("browser"))


def test_bench_load_and_soak_rows_and_their_lines():
    # --load's and --soak's paths (gunicorn as `make serve`, the mix with slides and downloads), briefly
    from tools.bench import load_figures, soak_figures, table

    load = load_figures(users=4, seconds=3)
    assert load["errors"] == 0 and load["users"] == 4 and load["by_kind"]["change"]["requests"] > 0, load
    soak = soak_figures(users=3, seconds=3, warmup_s=1, every_s=1)
    assert soak["errors"] == 0 and len(soak["workers"]) == 2, soak
    text = table({"machine": "m", "build_s": 1, "cold_start_s": 1, "bare_import_s": 1, "scales": [],
                  "load": load, "soak": soak})
    assert "load (4 users × 3 s" in text and "0 errors" in text
    assert "soak (3 users × 0.05 min after 1 s of warm-up)" in text and "largest growth" in text

"""A 5-second smoke run of the shipped load test against the production server (gunicorn) on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dashboard import paths
from tools.loadtest import run

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def production_url():
    port = _free_port()
    proc = subprocess.Popen([str(GUNICORN), "--workers", "2", "--threads", "4", "--keep-alive", "30", "--preload",
                             "--bind", f"127.0.0.1:{port}", "dashboard.app:server"], cwd=paths.REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        else:
            pytest.fail("gunicorn did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_load_smoke_no_errors(production_url):
    result = run(production_url, users=5, seconds=5)
    assert result["errors"] == 0, result
    assert result["requests"] > 10


def test_production_server_sends_security_headers(production_url):
    r = httpx.get(production_url + "/")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]


def test_loadtest_refuses_non_loopback_targets():
    with pytest.raises(SystemExit):
        run("http://192.0.2.1:8050", users=1, seconds=1)

"""A bounded load test: N simulated users on loopback, each doing a realistic session against a running server.

A session opens the page (index, layout, dependencies), then repeats: a filter change or a click through the
`sync` callback, and the redraw of every view through `draw`, as the browser would. It reports requests, errors
and p50/p95 latency. Only loopback addresses are allowed as targets; the run stops by itself after `seconds`.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import json
import random
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import httpx

from dashboard import ids

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else float("nan")

        return {"requests": len(lat) + len(self.errors), "errors": len(self.errors), "p50_ms": pct(0.50),
                "p95_ms": pct(0.95), "mean_ms": round(statistics.fmean(lat), 1) if lat else float("nan")}


def callback_outputs(key: str, matches: dict | None = None) -> list | dict:
    """The `outputs` of a Dash callback request, from the callback's output key: a list for a multi-output key
    ('..a.b...c.d..'), one dict for a single output ('a.b'). A pattern-matching output ('{"of":["ALL"],"type":t}')
    is the list of the components of type t in `matches` (type → their ids; none by default), as the browser
    sends it."""
    def one(part: str):
        cid, prop = part.rsplit(".", 1)
        if cid.startswith("{"):
            kind = json.loads(cid).get("type")
            return [{"id": c, "property": prop} for c in (matches or {}).get(kind, [])]
        return {"id": cid, "property": prop}
    if not key.startswith(".."):
        return one(key)
    return [one(part) for part in key.strip(".").split("...")]


# Share of changes after which the simulated user downloads the data shown.
EXPORT_SHARE = 0.1


class Session:
    """One simulated user: opens the page, changes filters and selects records (each change runs the app's `sync`
    and `draw` callbacks, as the browser does), and now and then downloads the data shown."""

    def __init__(self, client: httpx.AsyncClient, deps: list[dict], vocab: dict, stats: Stats, rng: random.Random):
        self.client, self.stats, self.rng = client, stats, rng
        self.sync = next(d for d in deps if d["output"].startswith(f"..{ids.SELECTION}.data"))
        self.draw = next(d for d in deps if f"{ids.TIMELINE}.figure" in d["output"])
        self.export = next(d for d in deps if d["output"].startswith(f"{ids.DATA_DOWNLOAD}.data"))
        self.vocab = vocab
        self.selection: dict | None = None

    async def _request(self, method: str, url: str, **kw) -> httpx.Response | None:
        t = time.perf_counter()
        try:
            r = await self.client.request(method, url, **kw)
        except httpx.HTTPError as e:
            self.stats.errors.append(f"{url}: {e!r}")
            return None
        ms = (time.perf_counter() - t) * 1000
        if r.status_code >= 400:
            self.stats.errors.append(f"{url}: HTTP {r.status_code}")
            return None
        self.stats.latencies_ms.append(ms)
        return r

    def _sync_body(self, changed: str, value) -> dict:
        inputs = []
        for dep in self.sync["inputs"]:
            if dep["id"].startswith("{"):
                inputs.append([])
            else:
                v = value if dep["id"] == changed.rsplit(".", 1)[0] and changed.endswith(dep["property"]) else None
                inputs.append({"id": dep["id"], "property": dep["property"], "value": v})
        state = [{"id": d["id"], "property": d["property"],
                  "value": self.selection if d["id"] == ids.SELECTION else None} for d in self.sync["state"]]
        return {"output": self.sync["output"], "outputs": callback_outputs(self.sync["output"]), "inputs": inputs,
                "state": state, "changedPropIds": [changed]}

    def _export_body(self) -> dict:
        """'Download data': the zip of the records the current filters show."""
        inputs = [{"id": d["id"], "property": d["property"], "value": 1 if d["id"] == ids.DATA_BUTTON else None}
                  for d in self.export["inputs"]]
        state = [{"id": d["id"], "property": d["property"], "value": self.selection} for d in self.export["state"]]
        return {"output": self.export["output"], "outputs": callback_outputs(self.export["output"]),
                "inputs": inputs, "state": state, "changedPropIds": [f"{ids.DATA_BUTTON}.n_clicks"]}

    def _random_change(self) -> tuple[str, object]:
        v, r = self.vocab, self.rng
        kind = r.choice(["period", "period", "movement", "search", "select", "select", "reset"])
        if kind == "period":
            start = r.randint(v["year_min"], v["year_max"] - 1)
            return f"{ids.PERIOD_SLIDER}.value", [start, min(v["year_max"], start + r.randint(1, 15))]
        if kind == "movement":
            return f"{ids.MOVEMENTS}.value", r.sample(v["movements"], k=r.randint(0, 2))
        if kind == "search":
            return f"{ids.SEARCH}.value", r.choice(["", "purge", "Trotsky", "deport", "1937", "Kronstadt"])
        if kind == "select":
            return f"{ids.NETWORK}.tapNodeData", {"id": r.choice(v["actors"])}
        return f"{ids.RESET}.n_clicks", r.randint(1, 100)

    async def run(self, until: float) -> None:
        for path in ("/", "/_dash-layout", "/_dash-dependencies"):
            await self._request("GET", path)
        while time.perf_counter() < until:
            changed, value = self._random_change()
            r = await self._request("POST", "/_dash-update-component", json=self._sync_body(changed, value))
            if r is not None and r.status_code == 200:
                self.selection = r.json()["response"][ids.SELECTION]["data"]
                body = {"output": self.draw["output"], "outputs": callback_outputs(self.draw["output"]),
                        "inputs": [{"id": d["id"], "property": d["property"],
                                    "value": self.selection if d["id"] == ids.SELECTION else None}
                                   for d in self.draw["inputs"]],
                        "changedPropIds": [f"{ids.SELECTION}.data"], "state": []}
                await self._request("POST", "/_dash-update-component", json=body)
                if self.rng.random() < EXPORT_SHARE:
                    await self._request("POST", "/_dash-update-component", json=self._export_body())
            await asyncio.sleep(self.rng.uniform(1.0, 4.0))  # a person reads the views between changes


async def _run(url: str, users: int, seconds: float, seed: int) -> Stats:
    stats = Stats()
    limits = httpx.Limits(max_connections=users * 2)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        deps = (await client.get("/_dash-dependencies")).json()
        from dashboard.frames import load_bundle  # the ids a user can pick, from the same frames

        b = load_bundle()
        years = b.events["year_start"].dropna()
        vocab = {"year_min": int(years.min()), "year_max": int(b.events["year_end"].max()),
                 "movements": list(b.movements["movement_id"]),
                 "actors": sorted(set(b.relations["source_id"]) | set(b.relations["target_id"]))}
        until = time.perf_counter() + seconds
        rng = random.Random(seed)
        sessions = [Session(client, deps, vocab, stats, random.Random(rng.random())) for _ in range(users)]
        await asyncio.gather(*(s.run(until) for s in sessions))
    return stats


def run(url: str, users: int = 50, seconds: float = 60, seed: int = 1) -> dict:
    host = urlparse(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load-test {host!r}: only loopback targets are allowed")
    # a fresh event loop in its own thread, so that it runs even where the caller's thread already has one
    with ThreadPoolExecutor(max_workers=1) as pool:
        stats = pool.submit(asyncio.run, _run(url, users, seconds, seed)).result()
    out = stats.summary() | {"users": users, "seconds": seconds}
    if stats.errors:
        out["first_errors"] = stats.errors[:5]
    return out

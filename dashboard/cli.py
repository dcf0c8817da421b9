"""The one command-line entry point: `python -m dashboard [serve|build|export-data|coverage|propose|…]`.

Thin: parses arguments and hands off. Serving is the default when no subcommand is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _serve(args) -> int:
    from dashboard.app import create_app

    app = create_app(debug=args.debug)
    app.run(host=args.host, port=args.port, debug=args.debug, dev_tools_ui=args.debug, dev_tools_hot_reload=False,
            dev_tools_disable_version_check=True)
    return 0


def _frames(force: bool = False):
    """The built frames, or None after printing every problem of a failed build."""
    from dashboard.pipeline.build import cached_frames
    from dashboard.pipeline.records import BuildError

    try:
        return cached_frames(force=force)
    except BuildError as e:
        print(e, file=sys.stderr)
        return None


def _build(args) -> int:
    if args.with_dirs:
        return _build_with(args)
    frames = _frames(force=args.force)
    if frames is None:
        return 1
    for name, df in frames.items():
        print(f"{name:10} {len(df):6d} rows")
    return 0


def _build_with(args) -> int:
    from dashboard.pipeline.records import BuildError
    from dashboard.propose.files import build_with

    try:
        frames, added = build_with(args.with_dirs, include_proposed=args.include_proposed,
                                   accepted_out=args.accepted_out)
    except BuildError as e:
        print(e, file=sys.stderr)
        return 1
    for name, df in frames.items():
        print(f"{name:10} {len(df):6d} rows")
    for a in added:
        counts = ", ".join(f"{n} {kind}" for kind, n in a.counts if n) or "no records"
        why = "rejected, or new names still without type or coordinates" if args.include_proposed else \
            "rejected or still proposed"
        print(f"added from {a.folder}: {counts}; {a.left_out} left out ({why})")
    if args.accepted_out:
        print(f"the added records, in data/'s layout: {args.accepted_out} (copy its folders into data/ and append "
              "its documents.yaml to data/documents.yaml)")
    return 0


def _propose(args) -> int:
    from dashboard.propose.drafts import propose, vocabulary_from_frames
    from dashboard.propose.files import doc_id_for, write_proposal
    from dashboard.propose.inputs import InputError, read_text

    path = Path(args.file)
    try:
        read = read_text(path)
        if read.note:
            print(f"note: {read.note}", file=sys.stderr)
        frames = _frames()
        if frames is None:
            return 1
        doc_id = doc_id_for(path, args.doc_id, set(frames["documents"]["doc_id"]))
        proposal = propose(read.text, doc_id, vocabulary_from_frames(frames), title=args.title or path.stem)
        written = write_proposal(proposal, Path(args.out), source=path.name, force=args.force)
    except InputError as e:
        print(f"propose: refused: {e}", file=sys.stderr)
        return 2
    counts = {}
    for d in proposal.drafts:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    print(f"{len(proposal.passages)} passages; proposed " + (", ".join(f"{n} {k}" for k, n in counts.items())
                                                            or "nothing"))
    for p in written:
        print(p)
    print(f"review: set status: accepted (or rejected) in each record, then "
          f"`python -m dashboard build --with {args.out}`")
    return 0


def _export_data(args) -> int:
    from dashboard.context import cached_positions
    from dashboard.frames import bundle_from_frames
    from dashboard.pipeline.export import export

    frames = _frames()
    if frames is None:
        return 1
    for path in export(frames, Path(args.out), positions=cached_positions(bundle_from_frames(frames))):
        print(path)
    return 0


def _coverage(args) -> int:
    from dashboard.pipeline.coverage import report

    frames = _frames()
    if frames is None:
        return 1
    text, n = report(frames)
    print(text)
    return 1 if (n and args.strict) else 0


def _export_slides(args) -> int:
    import time

    from dashboard.context import make_context
    from dashboard.frames import bundle_from_frames
    from dashboard.slide_export import export_slides, slide_selections
    from dashboard.slides import SIZES

    frames = _frames()
    if frames is None:
        return 1
    ctx = make_context(bundle_from_frames(frames))
    try:
        sels = slide_selections(ctx, period=args.period, movement_ids=(args.movement or "").split(","),
                                selected=args.select, theme=args.theme, region=args.region, view=args.view)
    except ValueError as e:
        print(f"export-slides: {e}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    paths = export_slides(ctx, sels, Path(args.out), size=SIZES[args.size], fmt=args.format,
                          progress=lambda i, n, path: print(f"{i}/{n} {path.name}", flush=True))
    print(f"{len(paths)} slide{'s' if len(paths) != 1 else ''} in {args.out} ({time.perf_counter() - t0:.1f} s)")
    return 0


def _export_animation(args) -> int:
    import time

    from dashboard.animation import export_animation
    from dashboard.context import make_context
    from dashboard.frames import bundle_from_frames
    from dashboard.slide_export import parse_period, slide_selections

    frames = _frames()
    if frames is None:
        return 1
    ctx = make_context(bundle_from_frames(frames))
    try:
        period = parse_period(args.period, ctx.vocab)
        (sel,) = slide_selections(ctx, period=args.period, movement_ids=(args.movement or "").split(","),
                                  theme=args.theme, region="auto" if args.region == "auto" else args.region)
        w, _, h = args.size.partition("x")
        size = (int(w), int(h))
        t0 = time.perf_counter()
        path, n = export_animation(ctx, sel, Path(args.out), period=period, step=args.step, fmt=args.format,
                                   size=size, fps=args.fps, detailed=args.detailed,
                                   progress=lambda i, k: print(f"frame {i}/{k}", flush=True))
    except ValueError as e:
        print(f"export-animation: {e}", file=sys.stderr)
        return 2
    print(f"{path}: {n} frames, {size[0]}×{size[1]} ({time.perf_counter() - t0:.1f} s)")
    return 0


def _loadtest(args) -> int:
    import json

    from tools.loadtest import run

    result = run(args.url, users=args.users, seconds=args.seconds)
    print(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


def _bench(args) -> int:
    from tools.bench import main as bench_main

    every = args.all
    return bench_main(quick=args.quick, json_path=args.json, browser=not args.no_browser, film=args.film,
                      huge=args.huge or every, load=args.load or every, soak=args.soak or every)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--debug", action="store_true", help="Dash debug mode and dev tools (off by default)")
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("serve", help="serve the dashboard (the default)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8050)
    s.add_argument("--debug", action="store_true")
    b = sub.add_parser("build", help="build and validate the frames from the texts and data files")
    b.add_argument("--force", action="store_true", help="rebuild even when the cache is fresh")
    b.add_argument("--with", dest="with_dirs", action="append", type=Path, metavar="DIR",
                   help="also build the reviewed records of a proposal folder (`propose --out`); repeatable")
    b.add_argument("--include-proposed", action="store_true",
                   help="with --with: add the records still `proposed` too, not only the `accepted` ones")
    b.add_argument("--accepted-out", type=Path, metavar="OUT",
                   help="with --with: write the added records to OUT in data/'s own layout, ready to commit")
    pr = sub.add_parser("propose", help="propose draft records (events, ties, estimates, names) from a new text")
    pr.add_argument("file", help="a plain-text file (UTF-8; cp1252 or latin-1 read with a note), at most 2 MB")
    pr.add_argument("--doc-id", help="the text's id (a slug; default: from the file name)")
    pr.add_argument("--title", help="the text's title (default: the file name)")
    pr.add_argument("--out", default="proposals", help="folder to write DOC_ID/ in (default: proposals)")
    pr.add_argument("--force", action="store_true", help="overwrite an earlier proposal of the same id")
    e = sub.add_parser("export-data", help="write one CSV per frame, the places as Linked Places "
                       "(places.lpf.json), the network as GEXF and GraphML, the sources as CSL-JSON and BibTeX, and a "
                       "Frictionless datapackage.json listing them")
    e.add_argument("--out", required=True, help="output folder")
    c = sub.add_parser("coverage", help="list sentences with a year, place or actor that no record cites")
    c.add_argument("--strict", action="store_true", help="exit 1 when any sentence is uncovered")
    bn = sub.add_parser("bench", help="measure build, cold start, filter changes (server, payload, browser)")
    bn.add_argument("--quick", action="store_true", help="1× and 10× only, fewer calls (about a minute)")
    bn.add_argument("--json", help="also write the figures to this JSON file")
    bn.add_argument("--no-browser", action="store_true", help="skip the headless Chromium measurements")
    bn.add_argument("--film", action="store_true", help="also the film: export-animation's 75 frames as an MP4 "
                    "(about a minute)")
    bn.add_argument("--huge", action="store_true", help="also 1000× the corpus (~830,000 records), in a process of "
                    "its own with its memory (about five minutes)")
    bn.add_argument("--load", action="store_true", help="also the load test: 200 users for 60 s against gunicorn, "
                    "slides and downloads among their requests")
    bn.add_argument("--soak", action="store_true", help="also the soak: 50 users for 10 minutes after one of "
                    "warm-up, each server worker's memory at the start and the end")
    bn.add_argument("--all", action="store_true", help="every figure with a target: --huge, --load and --soak "
                    "(about 25 minutes)")
    es = sub.add_parser("export-slides", help="write 16:9 slides (timeline, map, network): one per named period")
    es.add_argument("--out", required=True, help="output folder")
    es.add_argument("--period", help="YEAR-YEAR, YEAR or a named period's id (default: one slide per named period)")
    es.add_argument("--movement", help="comma-separated movement ids, e.g. trotskyism,right_opposition")
    es.add_argument("--select", help="id of the record to show as selected")
    es.add_argument("--size", choices=("1920x1080", "3840x2160"), default="1920x1080")
    es.add_argument("--format", choices=("png", "svg", "pdf"), default="png")
    es.add_argument("--theme", choices=("light", "dark"), default="light")
    es.add_argument("--view", choices=("map", "debates"), default="map",
                    help="what the map's place shows: the map, or the Debates view (who argues what)")
    es.add_argument("--region", choices=("auto", "ussr", "europe", "world"), default="auto",
                    help="map region (auto: the first that holds every site shown)")
    ea = sub.add_parser("export-animation", help="write the period played as a film (GIF or MP4): one slide per step "
                        "with its year written large")
    ea.add_argument("--out", required=True, help="output file (.gif or .mp4)")
    ea.add_argument("--period", default="1917-1991", help="YEAR-YEAR or a named period's id (default 1917-1991)")
    ea.add_argument("--step", type=int, choices=(1, 5), default=1, help="years per frame")
    ea.add_argument("--format", choices=("gif", "mp4"), help="default: from the file's suffix")
    ea.add_argument("--size", default="1920x1080", help="16:9 WIDTHxHEIGHT (default 1920x1080)")
    ea.add_argument("--fps", type=float, default=2.0, help="frames per second (default 2)")
    ea.add_argument("--movement", help="comma-separated movement ids")
    ea.add_argument("--theme", choices=("light", "dark"), default="light")
    ea.add_argument("--region", choices=("auto", "ussr", "europe", "world"), default="auto",
                    help="map region (auto: the first that holds every site of the whole period)")
    ea.add_argument("--detailed", action="store_true", help="coastlines at 1:50m like the slides (slower)")
    lt = sub.add_parser("loadtest", help="simulate users against a running server on loopback")
    lt.add_argument("--url", default="http://127.0.0.1:8050")
    lt.add_argument("--users", type=int, default=50)
    lt.add_argument("--seconds", type=float, default=60)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handlers = {None: _serve, "serve": _serve, "build": _build, "export-data": _export_data, "coverage": _coverage,
                "loadtest": _loadtest, "bench": _bench, "export-slides": _export_slides,
                "export-animation": _export_animation, "propose": _propose}
    return handlers[args.command](args)

"""The "Add a text" page's server side, without Dash: a text brought by a user → the page's store; the store →
the proposal, read again at every request; the reviewed zip; the preview's build and figures.

Nothing uploaded is kept on the server beyond the request that carries it: the text and the review live in the
browser tab's session storage (two dcc.Stores) and every request brings them back; they are checked again like an
upload (the store is the browser's), and proposing again is deterministic and takes a tenth of a second. The
preview's build (seconds) runs off the request threads, as a background callback's job (dashboard.background), in
a temporary folder removed before its answer leaves, and lays out its network itself rather than through the build
cache; at most PREVIEW_SLOTS of them run at once on one machine, whichever process holds them.

Belongs here: reading the upload or the paste (dashboard.propose.inputs' checks, one-line refusals), the store's
form, the zip (dashboard.propose.files' own files plus a README), the preview (dashboard.propose.files.build_with,
dashboard.context.render). Does not belong here: the review's logic (dashboard.views.add_text), the page's
components and callbacks (dashboard.add_page, dashboard.add_app), and any dash import.
"""

from __future__ import annotations

import base64
import binascii
import io
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from dashboard.frames import Bundle
from dashboard.paths import CACHE_DIR
from dashboard.slots import JobSlots
from dashboard.propose.inputs import MAX_BYTES, InputError, decode
from dashboard.views.add_text import DECISIONS, KIND_NAMES, Review, clean_review, records_by_kind, reviewed

if TYPE_CHECKING:
    from dashboard.propose.drafts import Proposal, Vocabulary

# Longest title kept, and the doc id used when neither one is given nor a file name gives one.
MAX_TITLE_CHARS = 200
DEFAULT_DOC_ID = "added_text"
# What the files' header and the zip call their source.
SOURCE = "the Add a text page"


# Previews built at once on one machine: a build takes a core for seconds (about 3 s here); the others wait for a
# slot, up to PREVIEW_WAIT_S, and are then told to try again.
PREVIEW_SLOTS = 1
PREVIEW_WAIT_S = 60.0
# Where the slots' lock files are (every server process and job of the machine sees the same ones).
SLOTS_DIR = CACHE_DIR / "background" / "slots"


@dataclass(frozen=True, eq=False)
class AddContext:
    """What the page's callbacks read: the corpus (never changed), its vocabulary of names (made on the first
    proposal, not when the server starts), and the slots of the preview builds (one machine's)."""

    corpus: Bundle
    builds: JobSlots = field(default_factory=lambda: JobSlots(SLOTS_DIR, PREVIEW_SLOTS), compare=False)
    wait_s: float = PREVIEW_WAIT_S

    @cached_property
    def vocab(self) -> Vocabulary:
        from dashboard.propose.drafts import vocabulary_from_frames

        return vocabulary_from_frames(self.corpus)


def read_input(add: AddContext, data: bytes, *, filename=None, doc_id=None, title=None) -> dict:
    """Checked bytes → the text store's data ({text, doc_id, title, note}); InputError with one line otherwise."""
    from dashboard.propose.files import doc_id_for

    named = isinstance(filename, str) and bool(filename.strip())
    name = Path(filename).name[:120] if named else "the pasted text"
    read = decode(data, name)
    given = doc_id.strip() if isinstance(doc_id, str) and doc_id.strip() else None
    stem = Path(name).stem if named else DEFAULT_DOC_ID
    doc = doc_id_for(Path(f"{stem}.txt"), given, set(add.corpus.documents["doc_id"]))
    clean_title = " ".join(title.split())[:MAX_TITLE_CHARS] if isinstance(title, str) and title.strip() else ""
    default_title = " ".join(stem.replace("_", " ").split())[:MAX_TITLE_CHARS] if named else "Pasted text"
    return {"text": read.text, "doc_id": doc, "title": clean_title or default_title or "Added text",
            "note": read.note}


def proposal_of(add: AddContext, store) -> Proposal | None:
    """The proposal for the text store's data, read again (the store is the browser's: checked like an upload);
    None when there is no text or it does not pass."""
    from dashboard.propose.drafts import propose
    from dashboard.propose.files import doc_id_for

    if not isinstance(store, dict) or not isinstance(store.get("text"), str):
        return None
    try:
        read = decode(store["text"].encode("utf-8", "replace"))
        doc = doc_id_for(Path("x.txt"), str(store.get("doc_id") or DEFAULT_DOC_ID)[:60],
                         set(add.corpus.documents["doc_id"]))
        title = " ".join(str(store.get("title") or "Added text").split())[:MAX_TITLE_CHARS]
        return propose(read.text, doc, add.vocab, title)
    except InputError:
        return None


def upload_bytes(contents) -> bytes:
    """A dcc.Upload's `contents` (a data: URL) → its bytes; InputError when it is not one, or too large to be a
    text the page reads."""
    if not isinstance(contents, str) or "," not in contents:
        raise InputError("the upload could not be read: try again, or paste the text")
    head, _, body = contents.partition(",")
    if ";base64" not in head:
        raise InputError("the upload could not be read: try again, or paste the text")
    if len(body) > MAX_BYTES * 4 // 3 + 8:
        raise InputError(f"the file is over the limit of {MAX_BYTES // (1024 * 1024)} MB — split it")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("the upload is not a readable file: try again, or paste the text") from None


@dataclass(frozen=True)
class ReadResult:
    store: dict | None  # the text store's data; None when refused
    error: str = ""  # the refusal, one line
    counts: tuple[tuple[str, int], ...] = ()  # (kind, drafts)
    note: str = ""  # how it was decoded, when not UTF-8
    kept: int = 0  # earlier decisions that still apply to this text's drafts


def read_request(add: AddContext, *, uploaded: bool, contents=None, filename=None, pasted=None, doc_id=None,
                 title=None, review_store=None) -> ReadResult:
    """The upload (when `uploaded`) or the pasted text → the store's data and what to say of it."""
    try:
        if uploaded:
            data, name = upload_bytes(contents), filename
        elif isinstance(pasted, str) and pasted.strip():
            data, name = pasted.encode("utf-8", "replace"), None
        else:
            raise InputError("paste a text first, or upload a file")
        store = read_input(add, data, filename=name, doc_id=doc_id, title=title)
        proposal = proposal_of(add, store)
        if proposal is None:
            raise InputError("the text could not be read")
    except InputError as e:
        return ReadResult(None, str(e))
    counts = tuple((k, len(proposal.of(k))) for k in KIND_NAMES)
    return ReadResult(store, "", counts, store["note"], len(clean_review(review_store, proposal).decisions))


def reviewed_zip(proposal: Proposal, review: Review, choices) -> bytes:
    """`<doc_id>/` with the proposal's files as reviewed (each record with its status and edits; rejected ones kept,
    marked) and a README saying how to add them to the corpus."""
    from dashboard.propose.files import proposal_files

    items = reviewed(proposal, review, choices)
    files = proposal_files(proposal, SOURCE, "proposals", records_by_kind(items))
    n = {s: sum(r.status == s for r in items) for s in DECISIONS}
    d = proposal.doc_id
    readme = (f"Reviewed records proposed from “{proposal.title}” ({d}), from the dashboard's Add a text page: "
              f"{n['accepted']} accepted, {n['rejected']} rejected, {n['proposed']} still proposed.\n\n"
              "To add them to the corpus:\n"
              f"  1. unzip this file into a folder of proposals, e.g. proposals/ (it holds {d}/)\n"
              "  2. set the text's licence and credit in documents.yaml\n"
              "  3. python -m dashboard build --with proposals --accepted-out ready\n"
              "     (builds the corpus with the accepted records, applying every check of the build)\n"
              f"  4. copy ready/{d}/ into data/, ready/texts/{d}.txt into data/texts/,\n"
              "     append ready/documents.yaml to data/documents.yaml, run python -m dashboard build, and commit.\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(f"{d}/{name}", text)
        z.writestr(f"{d}/README.txt", readme)
    return buf.getvalue()


@dataclass(frozen=True)
class Preview:
    rendered: object | None  # dashboard.context.Rendered; None when there is nothing to draw
    message: str
    problems: tuple[str, ...] = ()  # what the build refuses, by record


# The build's problems listed at most.
MAX_PROBLEMS = 20


# What `progress` is told while a preview is made.
WAITING = "Waiting for another preview to finish…"
BUILDING = "Building the corpus with the accepted records…"


def preview(add: AddContext, proposal: Proposal, review: Review, choices,
            progress: Callable[[str], None] | None = None) -> Preview:
    """Build the corpus with the accepted records in a temporary folder (every check of the build) and render the
    views for the years the accepted events span, the first accepted record the views can select selected.
    At most PREVIEW_SLOTS previews are built at once on the machine: the others wait for a slot (up to add.wait_s)
    and are then told to try again. `progress` hears what is under way (WAITING, BUILDING)."""
    items = reviewed(proposal, review, choices)
    accepted = [r for r in items if r.status == "accepted"]
    if not accepted:
        return Preview(None, "No preview: nothing is accepted yet — accept the records to preview.")
    tell = progress or (lambda _text: None)
    with add.builds.slot(add.wait_s, waiting=lambda: tell(WAITING)) as held:
        if not held:
            return Preview(None, "No preview yet: the server is building other previews — try again in a moment.")
        tell(BUILDING)
        return _built_preview(proposal, items, accepted)


def _built_preview(proposal: Proposal, items, accepted) -> Preview:
    from dashboard.context import make_context, render
    from dashboard.frames import bundle_from_frames
    from dashboard.pipeline.records import BuildError
    from dashboard.propose.files import build_with, write_proposal
    from dashboard.selection import make_selection
    from dashboard.views.network import network_positions

    try:
        with tempfile.TemporaryDirectory(prefix="dashboard-add-") as tmp:
            write_proposal(proposal, Path(tmp), SOURCE, records=records_by_kind(items))
            frames, _ = build_with([Path(tmp)])
    except BuildError as e:
        lines = tuple(f"{p.record_id}: {p.message}" for p in e.problems[:MAX_PROBLEMS])
        more = (f"… and {len(e.problems) - MAX_PROBLEMS} more",) if len(e.problems) > MAX_PROBLEMS else ()
        return Preview(None, "The build refuses the accepted records — correct them and preview again:",
                       lines + more)
    bundle = bundle_from_frames(frames)
    actx = make_context(bundle, positions=network_positions(bundle))
    ev = bundle.events[bundle.events["doc_id"] == proposal.doc_id]
    years = ev[["year_start", "year_end"]].stack().dropna()
    first = next((r.record_id for kind in ("events", "relations", "places", "actors") for r in accepted
                  if r.kind == kind and r.record_id in actx.vocab.record_ids), None)
    span = {"year_start": int(years.min()), "year_end": int(years.max())} if len(years) else {}
    sel = make_selection(actx.vocab, selected=first, **span)
    counts = {k: int((bundle.frame(k)["doc_id"] == proposal.doc_id).sum()) for k in KIND_NAMES
              if "doc_id" in bundle.frame(k)}
    what = ", ".join(f"{n} {KIND_NAMES[k].lower()}" for k, n in counts.items() if n)
    period = f", shown for {sel.year_start}–{sel.year_end}" if sel.has_period else ""
    chosen = f"; selected: {sel.selected}" if sel.selected else ""
    return Preview(render(actx, sel), f"The corpus built with the accepted records ({what}){period}{chosen}.")

"""The coverage view (dashboard/views/coverage_view.py and the /coverage route): the model agrees with the coverage
report, holds every sentence of the text once and in order, finds each sentence's records; the page escapes every
text, links cited sentences to the dashboard's selection, and answers a bad doc id with a 404 page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import plotly
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import paths
from dashboard.frames import bundle_from_frames
from dashboard.index import PASSAGE_FRAMES
from dashboard.pipeline.build import build_frames
from dashboard.pipeline.coverage import report
from dashboard.schema import FRAME_NAMES, SELECTABLE
from dashboard.selection import from_query
from dashboard.views.coverage_view import STATES, UnknownDocument, coverage_model, legend_text, render_page

HOSTILE = '<script>window.__x=1</script><img src=x onerror="alert(1)"> " onmouseover="alert(2)'


def _report_uncovered(frames) -> dict[str, int]:
    """Per text, the number `python -m dashboard coverage` reports as citing a year, place or actor with no record."""
    text, _ = report(frames)
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r"^== (\w+): (\d+) sentence\(s\) mention a year, place or actor but are cited by no record$", text, re.M)}


def _frames(bundle):
    return {n: bundle.frame(n) for n in FRAME_NAMES}


@pytest.fixture(scope="module")
def models(bundle):
    return {d: coverage_model(bundle, d) for d in bundle.documents["doc_id"]}


def test_cov001_counts_agree_with_the_coverage_report(bundle, models):
    reported = _report_uncovered(_frames(bundle))
    assert set(reported) == set(models)
    for doc_id, m in models.items():
        c = m.counts
        assert c.uncovered == reported[doc_id]
        assert c.cited + c.waived + c.uncovered + c.plain == sum(s.state != "back" for s in m.sentences)
        assert c.cited > 100  # the corpus is annotated: most sentences are cited
        assert f"{c.cited} sentences cited" in legend_text(m)


def test_cov002_counts_agree_on_a_barely_annotated_corpus(mini_data):
    """Three events only: most sentences with a year or a name are uncovered, and the view counts them as the
    report does, sentence for sentence."""
    b = bundle_from_frames(build_frames(mini_data))
    frames = _frames(b)
    reported = _report_uncovered(frames)
    from dashboard.pipeline.coverage import uncovered

    flagged = {u.passage_id for u in uncovered(frames)}
    for doc_id in b.documents["doc_id"]:
        m = coverage_model(b, doc_id)
        assert m.counts.uncovered == reported[doc_id] > 20
        assert {s.passage_id for s in m.sentences if s.state == "uncovered"} == \
            {p for p in flagged if p.startswith(doc_id + "-")}
        for s in m.sentences:
            if s.state == "uncovered":
                assert s.mentions and not s.records
    cited = [s for s in coverage_model(b, "anti_stalinist_left").sentences if s.state == "cited"]
    assert {r.record_id for s in cited for r in s.records} >= set(b.events["event_id"])


def test_cov003_every_sentence_once_and_in_order(bundle, models):
    for doc_id, m in models.items():
        p = bundle.passages
        p = p[p["doc_id"] == doc_id].sort_values("char_start")
        assert [s.passage_id for s in m.sentences] == list(p["passage_id"])
        text = bundle.documents.set_index("doc_id").loc[doc_id, "text"]
        starts = [s.char_start for s in m.sentences]
        assert starts == sorted(starts)
        for s in m.sentences:
            assert s.text == text[s.char_start:s.char_end]
            assert s.state in STATES
        # sections open at headings, in the text's order
        headings = [s.text for s in m.sentences if s.passage_type == "heading"]
        assert [b.sentences[0].text for sec in m.sections for b in sec.blocks if b.kind in ("title", "heading")] \
            == headings


def test_cov004_records_of_a_sentence(bundle, models):
    by_passage = bundle.index.by_passage
    for m in models.values():
        for s in m.sentences:
            here = {r.record_id for r in s.records if r.starts_here and r.kind in PASSAGE_FRAMES}
            assert here == set(by_passage.get(s.passage_id, ())), s.passage_id
            assert (s.state == "cited") == (bool(s.records) and s.state != "back")
            for r in s.records:
                assert r.selectable == (r.kind in SELECTABLE)
                if r.selectable:
                    assert bundle.record(r.record_id)[0] == r.kind
            if s.first_selectable:
                assert s.first_selectable == next(r.record_id for r in s.records if r.selectable)
    # a quote that runs over two sentences cites both: the second lists it as begun earlier
    assert any(not r.starts_here for m in models.values() for s in m.sentences for r in s.records)


def test_cov005_waivers_carry_their_reason(bundle, models):
    waivers = bundle.waivers
    for m in models.values():
        for s in m.sentences:
            if s.state == "waived":
                assert any("records" in w for _, w in s.waivers) and not s.records
    reasons = {r for m in models.values() for s in m.sentences for r, _ in s.waivers}
    assert reasons == set(waivers["reason"])


def test_cov006_links_select_the_first_record(bundle, app_ctx, models):
    m = models["stalinism"]
    page = render_page(m)
    hrefs = re.findall(r'class="s-link" href="([^"]+)"', page)
    cited = [s for s in m.sentences if s.state == "cited" and s.first_selectable]
    assert len(hrefs) == len(cited)
    for href, s in zip(hrefs, cited):
        sel = from_query(urlparse(href.replace("&amp;", "&")).query, app_ctx.vocab)
        assert sel.selected == s.first_selectable


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [k for k, _ in attrs]

    def handle_data(self, data):
        self.text.append(data)


def test_cov007_the_page_escapes_every_text(frames):
    fr = dict(frames)
    p = fr["passages"].copy()
    pid = fr["events"]["passage_id"].iloc[0]
    p.loc[p["passage_id"] == pid, "text"] = HOSTILE
    fr["passages"] = p
    ev = fr["events"].copy()
    ev.loc[ev.index[0], "title"] = HOSTILE
    fr["events"] = ev
    w = fr["waivers"].copy()
    w.loc[w.index[0], "reason"] = HOSTILE
    fr["waivers"] = w
    b = bundle_from_frames(fr)
    doc_id = fr["events"]["doc_id"].iloc[0]
    page = render_page(coverage_model(b, doc_id))
    parsed = _Collect()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not [a for a in parsed.attrs if a.startswith("on")]
    assert "style" not in parsed.attrs and "style" not in parsed.tags  # the CSP: no inline styles or scripts
    assert HOSTILE in "".join(parsed.text)  # shown as text, whole
    assert page.count("&lt;script&gt;") >= 3  # the sentence, the record's title, the waiver reason


def test_cov008_unknown_doc(bundle):
    with pytest.raises(UnknownDocument):
        coverage_model(bundle, "no_such_text")
    with pytest.raises(UnknownDocument):
        coverage_model(bundle, None)


def test_cov009_route(client, models):
    r = client.get("/coverage?doc=stalinism")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert legend_text(models["stalinism"]) in page
    assert "Content-Security-Policy" in r.headers and "<script" not in page
    assert '/assets/coverage.css' in page
    assert client.get("/coverage").status_code == 200  # the first text
    assert client.get("/coverage?doc=stalinism&theme=dark").get_data(as_text=True).count("theme-dark") == 1


@pytest.mark.parametrize("doc", ["nope", "%3Cscript%3Ealert(1)%3C/script%3E", "x" * 5000, "stalinism%00",
                                 "../../etc/passwd"])
def test_cov010_bad_doc_gets_a_404_page(client, doc):
    r = client.get(f"/coverage?doc={doc}")
    assert r.status_code == 404 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "No such text" in page and "Traceback" not in page and "<script>" not in page
    assert 'href="/coverage?doc=stalinism"' in page
    assert len(page) < 3000


def test_cov011_an_added_text_under_review(bundle):
    """Statuses (record id → proposed | accepted) mark the records and count the sentences of an added text."""
    m0 = coverage_model(bundle, "anti_stalinist_left")
    cited = [s for s in m0.sentences if s.state == "cited"]
    proposed = {r.record_id for r in cited[0].records}
    accepted = {cited[1].records[0].record_id}
    statuses = {**{rid: "proposed" for rid in proposed}, **{rid: "accepted" for rid in accepted}}
    m = coverage_model(bundle, "anti_stalinist_left", statuses=statuses)
    assert m.reviewed and m.counts.accepted >= 1 and m.counts.proposed >= 1
    assert m.sentences[m0.sentences.index(cited[0])].proposed
    assert "only proposed" in legend_text(m) and "left (a year or name" in legend_text(m)
    page = render_page(m)
    assert "s-proposed" in page and ">proposed</span>" in page and ">accepted</span>" in page


def test_cov012_dashboard_links_to_the_view(app):
    assert '"Coverage of the texts"' in json.dumps(app.layout, cls=plotly.utils.PlotlyJSONEncoder)


def _vars(css: str, selector: str) -> dict[str, str]:
    i = css.index(selector)
    block = css[css.index("{", i) + 1: css.index("}", i)]
    return dict(re.findall(r"(--[\w-]+):\s*([^;]+);", block))


def test_cov013_dark_values_are_the_apps(tmp_path):
    """With no ?theme, a dark system takes coverage.css's copy of app.css's dark values: they must be equal."""
    app_css = (paths.ASSETS_DIR / "app.css").read_text(encoding="utf-8")
    cov_css = (paths.ASSETS_DIR / "coverage.css").read_text(encoding="utf-8")
    dark = _vars(app_css, ".app.theme-dark, :root:has(.app.theme-dark)")
    mine = _vars(cov_css, ".app.coverage-page:not(.theme-light)")
    shared = {k: v for k, v in mine.items() if not k.startswith("--cov-")}
    assert shared and all(dark[k].strip() == v.strip() for k, v in shared.items())
    # and the coverage shades of the system's dark equal those of ?theme=dark
    assert {k: v for k, v in mine.items() if k.startswith("--cov-")} == \
        {k: v.strip() for k, v in _vars(cov_css, ".app.coverage-page.theme-dark").items()}


def test_cov014_query_of_links_is_well_formed(models):
    page = render_page(models["anti_stalinist_left"], dashboard_path="/dash/", coverage_path="/dash/coverage")
    for href in re.findall(r'href="([^"]+)"', page):
        u = urlparse(href.replace("&amp;", "&"))
        assert u.path in ("/dash/", "/dash/coverage"), href
        q = parse_qs(u.query)
        assert set(q) <= {"select", "doc", "theme"}


def test_cov015_links_keep_the_theme(app_ctx, models):
    page = render_page(models["stalinism"], theme="dark")
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page)]
    assert hrefs and all("theme=dark" in h for h in hrefs)
    rec = next(h for h in hrefs if "select=" in h)
    sel = from_query(urlparse(rec).query, app_ctx.vocab)
    assert sel.theme == "dark" and sel.selected
    assert "theme=" not in render_page(models["stalinism"], theme="<x>")


# ---------------------------------------------------------------------------------------------------------------
# A text being added (dashboard/views/add_text.py): the same view over a proposal, decisions applied

ADDED = ("== Exile ==\n"
         "In 1927, Trotsky was expelled by Stalin from the party. Later he lived in Mexico, where he was murdered "
         "in 1940.\n"
         "The sky over the city was grey and the streets were quiet that winter.\n")


@pytest.fixture(scope="module")
def proposal(bundle):
    from dashboard.propose.drafts import propose, vocabulary_from_frames

    return propose(ADDED, "exile_notes", vocabulary_from_frames(bundle), title="Notes on exile")


def test_cov020_an_added_text_read_with_its_proposals(bundle, proposal):
    from dashboard.views.add_text import review_model

    m = review_model(bundle, proposal)
    assert [s.passage_id for s in m.sentences] == list(proposal.passages.sort_values("char_start")["passage_id"])
    assert all(s.text == ADDED[s.char_start:s.char_end] for s in m.sentences)
    drafts = {}
    for d in proposal.drafts:
        drafts.setdefault(d.passage_id, set()).add(next(iter(d.record.values())))
    for s in m.sentences:
        assert {r.record_id for r in s.records} == drafts.get(s.passage_id, set())
        assert all(r.status == "proposed" and not r.selectable for r in s.records)
    assert m.reviewed and m.counts.cited == m.counts.proposed == len(drafts) >= 2
    assert m.counts.uncovered == 0 and m.counts.plain >= 1
    page = render_page(m)
    assert "s-link" not in page and ">proposed</span>" in page  # drafts are listed, not linked


def test_cov021_decisions_accept_and_reject(bundle, proposal):
    from dashboard.pipeline.coverage import uncovered
    from dashboard.views.add_text import review_frames, review_model, statuses_of

    first = proposal.drafts[0].passage_id
    ids = [next(iter(d.record.values())) for d in proposal.drafts]
    of_first = [i for i, d in zip(ids, proposal.drafts) if d.passage_id == first]
    rejected = {i: "rejected" for i in of_first}
    other = next(i for i, d in zip(ids, proposal.drafts) if d.passage_id != first)
    decisions = {**rejected, other: "accepted", "not_a_draft": "accepted"}
    m = review_model(bundle, proposal, decisions)
    s = next(s for s in m.sentences if s.passage_id == first)
    # its year and names are left without a record: the coverage report's own list says so too
    assert s.state == "uncovered" and "1927" in s.mentions and not s.records
    assert first in {u.passage_id for u in uncovered(review_frames(bundle, proposal, decisions))}
    assert m.counts.uncovered == 1 and m.counts.accepted == 1
    assert "1 left" in legend_text(m)
    assert not ({r.record_id for s in m.sentences for r in s.records} & set(of_first))
    assert statuses_of(proposal, {other: "<junk>", "nope": "accepted"}) == dict.fromkeys(ids, "proposed")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["doc", "theme", "select", "x"]),
                              st.text(max_size=300) | st.sampled_from(["stalinism", "dark", "light", ""]),
                              max_size=4))
def test_cov016_any_query_gets_a_page_never_a_server_error(client, params):
    r = client.get("/coverage", query_string=params)
    assert r.status_code in (200, 404) and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Traceback" not in page and "<script" not in page

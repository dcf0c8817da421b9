"""The field's formats: Linked Places (validated against the shipped LPF v1.1 schema), GEXF and GraphML (read back by
networkx), CSL-JSON and BibTeX, the view's citation, and their place in export-data and the full data package."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import html
import io
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import networkx as nx
import pytest

from dashboard import __version__
from dashboard import field_formats as ff
from dashboard.dates import parse_when
from dashboard.downloads import field_download, field_filename, package_zip
from dashboard.pipeline.export import FIELD_FILES, export
from dashboard.selection import Selection, shown, to_query
from dashboard.views.network import network_actor_ids

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "lpf-v1.1.schema.json").read_text(encoding="utf-8"))
SEL = Selection(1936, 1938, movement_ids=("trotskyism",))
DAY = dt.date(2025, 3, 5)


@pytest.fixture(scope="module")
def positions(app_ctx):
    return dict(app_ctx.positions)


@pytest.fixture(scope="module")
def lpf(bundle):
    return ff.places_lpf(bundle)


@pytest.fixture(scope="module")
def gexf(bundle, positions):
    return ff.network_gexf(bundle, positions=positions, dates="text")


def _validator():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    return jsonschema.Draft7Validator(SCHEMA)


# -- Linked Places ---------------------------------------------------------------------------------------------------


def test_fmt001_lpf_validates_against_the_schema(lpf):
    errors = sorted(_validator().iter_errors(lpf), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert lpf["@context"] == ff.LPF_CONTEXT
    assert lpf["type"] == "FeatureCollection"


@pytest.mark.parametrize("breaks", ["no_citation", "bad_date", "no_title", "bad_certainty", "no_start"])
def test_fmt001b_the_schema_rejects_what_lpf_forbids(lpf, breaks):
    doc = copy.deepcopy(lpf)
    f = next(f for f in doc["features"] if "when" in f)
    if breaks == "no_citation":
        for n in f["names"]:
            n.pop("citations", None)
    elif breaks == "bad_date":
        f["when"]["timespans"][0]["start"] = {"in": "in the 1930s"}
    elif breaks == "no_title":
        del f["properties"]["title"]
    elif breaks == "bad_certainty":
        f["geometry"]["geometries"][0]["certainty"] = "probably"
    else:
        f["when"]["timespans"][0].pop("start")
    assert list(_validator().iter_errors(doc))


def test_fmt002_every_place_once_with_its_point_name_and_sentence(bundle, lpf):
    places = bundle.places.set_index("place_id")
    feats = {f["@id"]: f for f in lpf["features"]}
    assert list(feats) == [ff.PLACE_URN + p for p in bundle.places["place_id"]]
    for pid, p in places.iterrows():
        f = feats[ff.PLACE_URN + pid]
        assert f["properties"]["title"] == p["name"]
        assert f["names"][0]["toponym"] == p["name"] and f["names"][0]["lang"] == "en"
        assert {n["toponym"] for n in f["names"][1:]} <= set(p["aliases"])
        (geom,) = f["geometry"]["geometries"]
        assert geom["coordinates"] == [p["lon"], p["lat"]]  # GeoJSON order: lon, lat
        assert geom["certainty"] == ff.CERTAINTY[p["precision"]]
        assert geom["source"] == p["coords_source"] and "outside the texts" in geom["source"]
        assert f["types"][0]["sourceLabels"][0]["label"] == p["place_type"]
        assert f["links"] == []
        title = bundle.documents.set_index("doc_id").at[p["doc_id"], "title"]
        cite = f["names"][0]["citations"][0]
        assert " ".join(p["quote"].split()) in cite["label"] and title in cite["label"]
        assert cite["@id"] == "https://en.wikipedia.org/wiki/" + title.replace(" ", "_")


@pytest.mark.parametrize("when, span", [
    ("1937", {"start": {"in": "1937"}}),
    ("1927-12", {"start": {"in": "1927-12"}}),
    ("1936/1938", {"start": {"in": "1936"}, "end": {"in": "1938"}}),
    ("1934~/1936~", {"start": {"in": "1934~"}, "end": {"in": "1936~"}}),
    ("1924/..", {"start": {"in": "1924"}, "end": {"earliest": "1924"}}),
    ("../1940", {"start": {"latest": "1940"}, "end": {"in": "1940"}}),
    ("193X", {"start": {"earliest": "1930"}, "end": {"latest": "1939"}}),
    ("", None),
])
def test_fmt003_edtf_as_lpf_timespans(when, span):
    assert ff.lpf_timespan(when) == span


def test_fmt003b_a_place_carries_the_dates_and_sentences_of_its_events_and_routes(bundle, lpf):
    feats = {f["properties"]["place_id"]: f for f in lpf["features"]}
    seen = 0
    for ev in bundle.events.to_dict("records"):
        if not isinstance(ev["place_id"], str) or not ev["place_id"]:
            continue
        f = feats[ev["place_id"]]
        if ev["when"]:
            assert ff.lpf_timespan(ev["when"]) in f["when"]["timespans"], ev["event_id"]
            seen += 1
        assert any(" ".join(ev["quote"].split()) in c["label"] for c in f["citations"]), ev["event_id"]
    for rt in bundle.routes.to_dict("records"):
        for pid in (rt["origin_place_id"], rt["destination_place_id"]):
            if rt["when"]:
                assert ff.lpf_timespan(rt["when"]) in feats[pid]["when"]["timespans"], rt["route_id"]
    assert seen > 20
    # a place no dated record stands at carries no `when` (LPF: a when needs a timespan or a period)
    for f in lpf["features"]:
        assert "when" not in f or f["when"]["timespans"]


def test_fmt004_lpf_of_what_the_filters_show(bundle):
    sh = shown(bundle, SEL)
    doc = ff.places_lpf(bundle, sh)
    assert not list(_validator().iter_errors(doc))
    assert {f["properties"]["place_id"] for f in doc["features"]} == set(sh.place_ids)
    quotes = [" ".join(q.split()) for q in
              [*bundle.events.set_index("event_id").loc[list(sh.event_ids), "quote"],
               *bundle.routes.set_index("route_id").loc[list(sh.route_ids), "quote"]]]
    for f in doc["features"]:
        for c in f["citations"][1:]:  # after the place's own sentence: only the shown events' and routes'
            assert any(q in c["label"] for q in quotes), c["label"]


# -- GEXF and GraphML ------------------------------------------------------------------------------------------------


def test_fmt005_gexf_reads_back_with_the_same_nodes_edges_and_attributes(bundle, gexf, positions):
    G = nx.read_gexf(io.BytesIO(gexf))
    assert sorted(G.nodes) == network_actor_ids(bundle)
    actors = bundle.actors.set_index("actor_id")
    for aid, d in G.nodes(data=True):
        a = actors.loc[aid]
        assert d["label"] == a["name"] and d["actor_type"] == a["actor_type"]
        assert d["tie_count"] == a["tie_count"]
        assert d["movement_id"] == (a["movement_ids"][0] if a["movement_ids"] else "")
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", d["color"])
        c = d["color"].lstrip("#")
        assert (d["viz"]["color"]["r"], d["viz"]["color"]["g"], d["viz"]["color"]["b"]) == \
            tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))
        x, y = positions[aid]
        assert d["viz"]["position"]["x"] == pytest.approx(x) and d["viz"]["position"]["y"] == pytest.approx(-y)
        assert (d["x"], d["y"]) == pytest.approx((x, y))
    rel = bundle.relations.set_index("relation_id")
    got = {d["id"]: (u, v, d) for u, v, d in G.edges(data=True)}
    assert set(got) == set(rel.index)
    for rid, (u, v, d) in got.items():
        r = rel.loc[rid]
        assert (u, v) == (r["source_id"], r["target_id"])
        assert d["relation_type"] == r["relation_type"] and d["when"] == r["when"]
        w = parse_when(r["when"]) if r["when"] else None
        assert d.get("start") == (f"{w.start:04d}-01-01" if w and w.start is not None else None), rid
        assert d.get("end") == (f"{w.end:04d}-12-31" if w and w.end is not None else None), rid
    assert G.graph["mode"] == "dynamic"
    text = gexf.decode("utf-8")
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text and "viz:position" in text


def test_fmt005b_open_ends_stay_open(bundle, gexf):
    G = nx.read_gexf(io.BytesIO(gexf))
    by_id = {d["id"]: d for _, _, d in G.edges(data=True)}
    rel = bundle.relations
    open_end = rel[rel["when"].str.endswith("/..")]
    undated = rel[rel["when"] == ""]
    for rid in open_end["relation_id"]:
        assert "start" in by_id[rid] and "end" not in by_id[rid]
    for rid in undated["relation_id"]:
        assert "start" not in by_id[rid] and "end" not in by_id[rid]
    assert len(open_end) + len(undated) > 0


def test_fmt005c_refined_dates_unless_the_texts_are_asked_for(bundle, positions):
    G = nx.read_gexf(io.BytesIO(ff.network_gexf(bundle, positions=positions)))
    rel = bundle.relations
    refined = rel[rel["when_refined"] != ""].iloc[0]
    d = next(d for _, _, d in G.edges(data=True) if d["id"] == refined["relation_id"])
    assert d["start"] == f"{parse_when(refined['when_refined']).start:04d}-01-01"
    assert d["dates_from_outside"] is True


def test_fmt006_graphml_reads_back_with_the_same_nodes_edges_and_attributes(bundle, positions):
    data = ff.network_graphml(bundle, positions=positions)
    G = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    assert sorted(G.nodes) == network_actor_ids(bundle)
    assert G.is_directed()
    rel = bundle.relations.set_index("relation_id")
    edges = {k: (u, v, d) for u, v, k, d in G.edges(keys=True, data=True)}
    assert set(edges) == set(rel.index)
    for rid, (u, v, d) in edges.items():
        assert (u, v) == (rel.at[rid, "source_id"], rel.at[rid, "target_id"])
        assert d["relation_type"] == rel.at[rid, "relation_type"]
    actors = bundle.actors.set_index("actor_id")
    for aid, d in G.nodes(data=True):
        assert d["label"] == actors.at[aid, "name"] and d["tie_count"] == actors.at[aid, "tie_count"]
        assert (d["x"], d["y"]) == pytest.approx(positions[aid])


def test_fmt007_same_data_same_bytes(bundle, positions, gexf):
    assert ff.network_gexf(bundle, positions=positions, dates="text") == gexf
    assert b"lastmodifieddate" not in gexf
    assert ff.network_graphml(bundle, positions=positions) == ff.network_graphml(bundle, positions=positions)


def test_fmt008_the_network_the_filters_show(bundle, positions):
    sh = shown(bundle, SEL)
    G = nx.read_gexf(io.BytesIO(ff.network_gexf(bundle, sh, positions=positions)))
    assert set(G.nodes) == set(sh.actor_ids) & set(network_actor_ids(bundle))
    flags = {d["id"]: d["in_period"] for _, _, d in G.edges(data=True)}
    assert {r for r, f in flags.items() if f} <= set(sh.relation_ids)
    assert {r for r, f in flags.items() if not f} <= set(sh.faded_relation_ids)
    assert any(flags.values())


# -- sources and citations -------------------------------------------------------------------------------------------


def test_fmt009_sources_as_csl_json(bundle):
    items = ff.sources_csl(bundle, DAY)
    docs = bundle.documents.set_index("doc_id")
    assert [i["id"] for i in items] == list(docs.index)
    for item in items:
        d = docs.loc[item["id"]]
        assert item["title"] == d["title"] and item["license"] == d["licence"] == "CC BY-SA 4.0"
        assert item["URL"] == "https://en.wikipedia.org/wiki/" + d["title"].replace(" ", "_")
        assert item["container-title"].startswith("Wikipedia")
        assert item["accessed"] == {"date-parts": [[2025, 3, 5]]}
        assert d["sha256"] in item["note"]
    assert all("accessed" not in i for i in ff.sources_csl(bundle))


def test_fmt009b_sources_as_bibtex(bundle):
    bib = ff.sources_bibtex(bundle, DAY)
    keys = re.findall(r"@misc\{([a-z0-9_]+),", bib)
    assert keys == list(bundle.documents["doc_id"])
    assert bib.count("{") == bib.count("}")
    assert "urldate = {2025-03-05}" in bib and "title = {{Stalinism}}" in bib
    assert "url = {https://en.wikipedia.org/wiki/Anti-Stalinist_left}" in bib
    assert r"anti\_stalinist\_left.txt" in bib  # LaTeX's specials escaped in text fields


def test_fmt010_cite_view_says_title_filters_version_url_and_date(bundle):
    sel = Selection(1936, 1938, movement_ids=("trotskyism",), types=("purge",), q="Kirov", selected="trotsky")
    line = ff.cite_view(sel, "https://example.org/dash/", __version__, DAY, bundle=bundle)
    names = dict(zip(bundle.movements["movement_id"], bundle.movements["name"]))
    assert line.startswith(ff.TITLE)
    assert "1936–1938" in line and names["trotskyism"] in line and "purge" in line and "“Kirov”" in line
    assert f"version {__version__}" in line
    assert "https://example.org/dash/" + to_query(sel) in line
    assert "5 March 2025" in line
    assert "Leon Trotsky" in line
    for credit in bundle.documents["credit"]:
        assert credit in line
    # a URL that carries its own state is kept as it is
    assert "https://x.org/?period=1917-1924." in ff.cite_view(sel, "https://x.org/?period=1917-1924", "1", DAY)
    assert "all years" in ff.cite_view(Selection(), "", None, None) and "version" not in ff.cite_view(
        Selection(), "", None, None)


def test_fmt010b_short_citation_for_the_slide():
    s = ff.cite_short(SEL, "0.1.0", DAY)
    assert s == f"Cite: {ff.TITLE}, dashboard v0.1.0, view {to_query(SEL)}, accessed 2025-03-05"


# -- export-data and the full package ------------------------------------------------------------------------------


def test_fmt011_export_data_writes_and_lists_the_field_formats(frames, positions, tmp_path):
    written = {p.name for p in export(frames, tmp_path, positions=positions)}
    names = [f[0] for f in FIELD_FILES]
    assert set(names) <= written
    assert names == ["places.lpf.json", "network.gexf", "network.graphml", "sources.csl.json", "sources.bib"]
    pkg = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["version"] == __version__ and pkg["profile"] == "data-package"
    assert pkg["licenses"][0]["name"] == "CC-BY-SA-4.0"
    assert [s.get("path") for s in pkg["sources"]] == [ff.source_url(d) for d in frames["documents"].to_dict("records")]
    by_path = {r["path"]: r for r in pkg["resources"]}
    for name in names:
        data = (tmp_path / name).read_bytes()
        res = by_path[name]
        assert res["bytes"] == len(data) and res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert res["mediatype"] and res["description"]
    assert not list(_validator().iter_errors(json.loads((tmp_path / "places.lpf.json").read_text(encoding="utf-8"))))
    assert nx.read_gexf(tmp_path / "network.gexf").number_of_edges() == len(frames["relations"])
    assert len(json.loads((tmp_path / "sources.csl.json").read_text(encoding="utf-8"))) == len(frames["documents"])


def test_fmt012_full_package_zip_holds_them(bundle, positions):
    zf = zipfile.ZipFile(io.BytesIO(package_zip(bundle, positions)))
    names = [f[0] for f in FIELD_FILES]
    assert zf.namelist()[-len(names):] == names
    pkg = json.loads(zf.read("datapackage.json"))
    by_path = {r["path"]: r for r in pkg["resources"]}
    for name in names:
        assert by_path[name]["hash"] == "sha256:" + hashlib.sha256(zf.read(name)).hexdigest()
    readme = zf.read("README.txt").decode("utf-8")
    assert "places.lpf.json" in readme and "Gephi" in readme and "Zotero" in readme


def test_fmt013_dashboard_downloads_name_and_fill_each_format(bundle, positions):
    sh = shown(bundle, SEL)
    data, name = field_download(bundle, SEL, sh, "lpf", positions=positions)
    assert name == "places_1936-1938_trotskyism.lpf.json"
    assert len(json.loads(data)["features"]) == len(sh.place_ids)
    data, name = field_download(bundle, SEL, sh, "gexf", positions=positions)
    assert name.endswith(".gexf") and nx.read_gexf(io.BytesIO(data)).number_of_nodes() > 0
    data, name = field_download(bundle, SEL, sh, "graphml", positions=positions)
    assert name.endswith(".graphml") and nx.read_graphml(io.BytesIO(data)).number_of_nodes() > 0
    data, name = field_download(bundle, SEL, sh, "csl", today=DAY)
    assert name == "sources.csl.json" and json.loads(data)[0]["accessed"]["date-parts"] == [[2025, 3, 5]]
    data, name = field_download(bundle, SEL, sh, "bib", today=DAY)
    assert name == field_filename("bib", SEL) == "sources.bib" and data.startswith(b"@misc{")


def test_fmt014_the_slide_carries_the_citation_below_its_credits(app_ctx):
    from dashboard import slides

    sel = Selection(1936, 1938, movement_ids=("trotskyism",), selected="trotsky")
    fig = slides.slide_figure(app_ctx, sel)
    notes = {a.get("name"): a for a in fig["layout"]["annotations"] if a.get("name")}
    cite = notes["citation"]
    text = html.unescape(cite["text"])
    assert to_query(sel) in text and f"v{__version__}" in text and ff.TITLE in text
    assert dt.date.today().isoformat() in text
    # its own line under the credit lines, inside the credits' strip that the views' boxes end above
    boxes, _, _ = slides.slide_layout(app_ctx, sel)
    credit_ys = [a["y"] for n, a in notes.items() if n.startswith("credit")]
    line = slides.SMALL_PX * 1.3 / slides.BASE_SIZE[1]
    assert all(cite["y"] <= y - line + 1e-9 for y in credit_ys)
    assert 1 - cite["y"] >= boxes["credits"].y / slides.BASE_SIZE[1] - 1e-9
    assert slides.text_px(text, slides.SMALL_PX) <= slides.BASE_SIZE[0] - 2 * slides.SIDE_PX

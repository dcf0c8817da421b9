"""The records in the formats the field's own tools read: places as Linked Places Format (World Historical
Gazetteer, Peripleo), the network as GEXF (Gephi) and GraphML (yEd, Cytoscape), the two source texts as CSL-JSON
and BibTeX (Zotero and any reference manager), and a plain citation of a view.

Belongs here: turning the frames (and, for a filtered export, selection.Shown) into those formats, deterministically
(the same inputs give the same bytes: no clock is read; a date appears only when the caller passes one).
Does not belong here: what a selection shows (selection.py), where the network's nodes are drawn
(views/network.py: its positions and prepared arrays are reused as drawn), writing files or zips (pipeline/export.py,
downloads.py), or Dash (never imported).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import quote

from dashboard import __version__
from dashboard.dates import parse_when
from dashboard.schema import APPROXIMATE_PRECISIONS
from dashboard.selection import Selection, to_query
from dashboard.theme import EDGE_STYLES, LIGHT, RELATION_LABELS
from dashboard.views.network import network_actor_ids, network_positions, prepare_network

if TYPE_CHECKING:
    import networkx as nx

TITLE = "Stalinism and the anti-Stalinist left"
# The LPF v1.1 JSON-LD context, named (never fetched): the LinkedPasts repository's own address for it.
LPF_CONTEXT = "https://raw.githubusercontent.com/LinkedPasts/linked-places/master/linkedplaces-context-v1.1.jsonld"
# Each place's @id: a URN built from its place_id. Stable (ids never change meaning) but not dereferenceable: the
# dashboard has no public address of its own; a gazetteer that ingests the file gives each place its own URI.
PLACE_URN = "urn:stalinism-dashboard:place:"
# LPF's geometry certainty (certain, less-certain, uncertain) from what the point stands for (schema.PRECISIONS):
# a city's or a site's point is where the place is; a region's or a country's stands for an area around it.
CERTAINTY = MappingProxyType({"exact": "certain", "city": "certain", "region": "less-certain",
                              "country": "uncertain"})
# The language the texts write their names in.
LANG = "en"
# An EDTF date this plain is also an ISO 8601 one (with LPF's trailing ~ ? % qualifiers): LPF's "in" takes it.
_ISO_POINT = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?[~?%]?$")
# Where an article of the English Wikipedia lives, by its title (the texts read as two of its articles:
# documents.yaml credits "Wikipedia contributors"); used only when the documents frame gives no url of its own.
WIKIPEDIA_ARTICLE = "https://en.wikipedia.org/wiki/"
WIKIPEDIA = "Wikipedia, The Free Encyclopedia"
LICENCE_URLS = MappingProxyType({"CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/"})
# The first day of a year and the last: a tie's years as GEXF dates, both ends inclusive like the years.
_YEAR_START, _YEAR_END = "-01-01", "-12-31"


# ---------------------------------------------------------------------------------------------------------------
# Sources: the two texts
# ---------------------------------------------------------------------------------------------------------------


def source_url(doc) -> str:
    """The address of a text: the documents frame's `url` if it has one, else, for a text credited to Wikipedia's
    contributors, the English Wikipedia article of its title (the revision it was taken from is not recorded)."""
    url = doc.get("url") if hasattr(doc, "get") else None
    if isinstance(url, str) and url:
        return url
    if "wikipedia" in str(doc["credit"]).lower():
        return WIKIPEDIA_ARTICLE + quote(str(doc["title"]).replace(" ", "_"))
    return ""


def _is_wikipedia(doc) -> bool:
    return "wikipedia" in str(doc["credit"]).lower()


def _docs(bundle) -> list[dict]:
    return [dict(row) for row in bundle.documents.to_dict("records")]


def _source_note(doc: dict) -> str:
    note = (f"Plain-text rendering shipped with the dashboard as {doc['path']} (SHA-256 {doc['sha256']}); "
            f"{doc['credit']}.")
    if _is_wikipedia(doc) and not doc.get("url"):
        note += " The URL is the article's by its title; the revision the text was taken from is not recorded."
    return note


def sources_csl(bundle, accessed: dt.date | None = None) -> list[dict]:
    """CSL-JSON items for the source texts (Zotero and other reference managers import them). `accessed`: the
    date to give as the access date (when you read the text through the dashboard); omitted when None."""
    out = []
    for doc in _docs(bundle):
        item = {"id": doc["doc_id"], "type": "entry-encyclopedia" if _is_wikipedia(doc) else "document",
                "title": doc["title"], "language": LANG, "license": doc["licence"], "note": _source_note(doc)}
        if _is_wikipedia(doc):
            item["author"] = [{"literal": "Wikipedia contributors"}]
            item["container-title"] = WIKIPEDIA
        url = source_url(doc)
        if url:
            item["URL"] = url
        if accessed is not None:
            item["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
        out.append(item)
    return out


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&#$_^~])")


def _bib(text: str) -> str:
    """A BibTeX field value: LaTeX's special characters escaped."""
    def sub(m):
        c = m.group(1)
        return {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(c, "\\" + c)
    return _BIBTEX_SPECIAL.sub(sub, text)


def sources_bibtex(bundle, accessed: dt.date | None = None) -> str:
    """The source texts as BibTeX @misc entries (keys: the doc_ids; titles braced so styles keep their case)."""
    entries = []
    for item in sources_csl(bundle, accessed):
        fields = [("title", "{" + _bib(item["title"]) + "}")]
        if "author" in item:
            fields.append(("author", "{" + _bib(item["author"][0]["literal"]) + "}"))
        if "container-title" in item:
            fields.append(("howpublished", _bib(item["container-title"])))
        if "URL" in item:
            fields.append(("url", item["URL"]))
        if "accessed" in item:
            y, m, d = item["accessed"]["date-parts"][0]
            fields.append(("urldate", f"{y:04d}-{m:02d}-{d:02d}"))
        fields.append(("note", _bib(f"Licence: {item['license']}. {item['note']}")))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        entries.append(f"@misc{{{item['id']},\n{body}\n}}\n")
    return "\n".join(entries)


# ---------------------------------------------------------------------------------------------------------------
# A citation of the view
# ---------------------------------------------------------------------------------------------------------------


def view_words(sel: Selection, bundle=None) -> str:
    """The filters in words: 'years 1936–1938; movements: Trotskyism; types: purge; search “Kirov”; selected:
    Leon Trotsky'. Names come from the bundle when given (ids otherwise)."""
    names = {}
    if bundle is not None:
        names = bundle.memo("field_formats.movement_names", lambda: dict(zip(bundle.movements["movement_id"],
                                                               bundle.movements["name"])))
    parts = [f"years {sel.year_start}–{sel.year_end}" if sel.has_period else "all years"]
    parts.append("movements: " + ", ".join(names.get(m, m) for m in sel.movement_ids) if sel.movement_ids
                 else "all movements")
    if sel.types:
        parts.append("types: " + ", ".join(t.replace("_", " ") for t in sel.types))
    if sel.q:
        parts.append(f"search “{sel.q}”")
    if sel.selected:
        title = sel.selected
        if bundle is not None:
            from dashboard.views.table import record_title

            title = bundle.memo(("field_formats.record_title", sel.selected),
                                lambda: record_title(bundle, sel.selected)) or sel.selected
        parts.append(f"selected: {title}")
    if sel.dates == "text":
        parts.append("dates as the texts give them")
    return "; ".join(parts)


def view_url(sel: Selection, url: str) -> str:
    """`url` with the view's full state: its own query when it has one, else the selection's."""
    url = url or ""
    if "?" in url:
        return url
    return url + to_query(sel)


def _date_words(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def cite_view(sel: Selection, url: str, version: str | None = __version__, accessed: dt.date | None = None, *,
              bundle=None) -> str:
    """A plain citation of a view: title, the filters in words, the dashboard's version, the URL with the full
    state and the access date, then the texts it is derived from."""
    version_part = f", version {version}" if version else ""
    line = f"{TITLE} (interactive dashboard{version_part}). View: {view_words(sel, bundle)}."
    full = view_url(sel, url)
    if full:
        line += f" {full}."
    if accessed is not None:
        line += f" Accessed {_date_words(accessed)}."
    if bundle is not None:
        line += " Derived from " + "; ".join(str(c) for c in bundle.documents["credit"]) + "."
    return line


def cite_short(sel: Selection, version: str | None = __version__, accessed: dt.date | None = None) -> str:
    """The one-line citation a slide carries: 'Cite: Stalinism and the anti-Stalinist left, dashboard v0.1.0,
    view ?period=1936-1938, accessed 2026-12-02'."""
    parts = [f"Cite: {TITLE}", f"dashboard v{version}" if version else "dashboard",
             f"view {to_query(sel)}" if to_query(sel) else "default view"]
    if accessed is not None:
        parts.append(f"accessed {accessed.isoformat()}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# Places: Linked Places Format v1.1
# ---------------------------------------------------------------------------------------------------------------


def _lpf_point(text: str, *, bound: str) -> dict:
    """One end of an EDTF date as an LPF timespan end: {"in": …} when it is plain ISO 8601 (with a qualifier),
    else the years it covers ('193X' → earliest 1930 / latest 1939): `bound` says which of the two this end is
    ('start' takes earliest, 'end' takes latest)."""
    if _ISO_POINT.match(text):
        return {"in": text}
    w = parse_when(text)
    if bound == "start":
        return {"earliest": str(w.start)}
    return {"latest": str(w.end)}


def lpf_timespan(when: str) -> dict | None:
    """An EDTF `when` as an LPF timespan: '1937' → {start: {in: 1937}} (LPF: no end = the span of the start);
    '1934~/1936~' → start and end "in"; an open end '1924/..' → end {earliest: 1924} (it ended at 1924 or later,
    no latest known); an open start '../1940' → start {latest: 1940}; '193X' → earliest 1930 to latest 1939.
    None for an undated record."""
    if not isinstance(when, str) or not when.strip():
        return None
    s = when.strip()
    parse_when(s)  # ValueError for anything that is not a date this project uses
    if "/" not in s:
        if _ISO_POINT.match(s):
            return {"start": {"in": s}}
        w = parse_when(s)
        return {"start": {"earliest": str(w.start)}, "end": {"latest": str(w.end)}}
    a, _, b = s.partition("/")
    open_a, open_b = a in ("", ".."), b in ("", "..")
    if open_a:
        end = _lpf_point(b, bound="end")
        latest = end.get("in", end.get("latest"))
        return {"start": {"latest": latest}, "end": end}
    start = _lpf_point(a, bound="start")
    if open_b:
        return {"start": start, "end": {"earliest": start.get("in", start.get("earliest"))}}
    return {"start": start, "end": _lpf_point(b, bound="end")}


def _ids(shown, field: str):
    return None if shown is None else set(getattr(shown, field))


def _citation(doc: dict, quote_text: str, section: str) -> dict:
    label = f"“{' '.join(str(quote_text).split())}” — {doc['title']}"
    if section:
        label += f", section “{section}”"
    label += f" ({doc['credit']})"
    out = {"label": label}
    url = source_url(doc)
    if url:
        out["@id"] = url
    return out


def places_lpf(bundle, shown=None) -> dict:
    """The places (those `shown` shows, or all) as a Linked Places Format v1.1 FeatureCollection.

    Each Feature: `@id` (PLACE_URN + place_id), properties.title, `names` (the name as the text writes it, cited
    with its sentence, then its aliases), `types` (the place's role, as the dashboard names it: no Getty AAT
    identifier is claimed), a GeometryCollection with its one point, its `certainty` (from `precision`) and its
    `source` (coords_source: the coordinates come from outside the texts), `when` (the EDTF dates the texts give
    the events and routes there), `links` (empty: no gazetteer match is known) and `citations` (the sentences of
    those events and routes, with their texts)."""
    docs = {d["doc_id"]: d for d in _docs(bundle)}
    place_ids = _ids(shown, "place_ids")
    event_ids = _ids(shown, "event_ids")
    route_ids = _ids(shown, "route_ids")
    events = bundle.events
    routes = bundle.routes
    if event_ids is not None:
        events = events[events["event_id"].isin(event_ids)]
    if route_ids is not None:
        routes = routes[routes["route_id"].isin(route_ids)]
    at: dict[str, list[dict]] = {}
    for row in events.to_dict("records"):
        if isinstance(row["place_id"], str) and row["place_id"]:
            at.setdefault(row["place_id"], []).append(row)
    for row in routes.to_dict("records"):
        for pid in dict.fromkeys((row["origin_place_id"], row["destination_place_id"])):
            at.setdefault(pid, []).append(row)
    features = []
    for p in bundle.places.to_dict("records"):
        pid = p["place_id"]
        if place_ids is not None and pid not in place_ids:
            continue
        doc = docs[p["doc_id"]]
        names = [{"toponym": p["name"], "lang": LANG, "citations": [_citation(doc, p["quote"], p["section"])]}]
        names += [{"toponym": a, "lang": LANG} for a in dict.fromkeys(p["aliases"]) if a and a != p["name"]]
        point = {"type": "Point", "coordinates": [float(p["lon"]), float(p["lat"])],
                 "certainty": CERTAINTY[p["precision"]],
                 "source": p["coords_source"],
                 "precision": p["precision"]}
        feature = {
            "@id": PLACE_URN + pid, "type": "Feature",
            "properties": {"title": p["name"], "place_id": pid,
                           "approximate": p["precision"] in APPROXIMATE_PRECISIONS},
            "names": names,
            "types": [{"label": p["place_type"].replace("_", " "),
                       "sourceLabels": [{"label": p["place_type"], "lang": LANG}]}],
            "geometry": {"type": "GeometryCollection", "geometries": [point]},
            "links": [],
        }
        records = at.get(pid, [])
        spans = []
        for r in records:
            span = lpf_timespan(r["when"])
            if span is not None and span not in spans:
                spans.append(span)
        if spans:
            feature["when"] = {"timespans": spans,
                               "label": "the dates the texts give the events and routes at this place"}
        citations = [_citation(doc, p["quote"], p["section"])]
        for r in records:
            c = _citation(docs[r["doc_id"]], r["quote"], r["section"])
            if c not in citations:
                citations.append(c)
        feature["citations"] = citations
        descriptions = [p[k] for k in ("outside_text", "note") if isinstance(p.get(k), str) and p[k]]
        if descriptions:
            feature["descriptions"] = [{"value": v, "lang": LANG} for v in descriptions]
        features.append(feature)
    return {"type": "FeatureCollection", "@context": LPF_CONTEXT,
            "title": f"{TITLE}: places", "version": __version__,
            "license": LICENCE_URLS.get(str(bundle.documents["licence"].iloc[0]), ""), "features": features}


# ---------------------------------------------------------------------------------------------------------------
# The network: GEXF and GraphML
# ---------------------------------------------------------------------------------------------------------------


def _rgb(hex_colour: str) -> dict:
    c = hex_colour.lstrip("#")
    return {"r": int(c[0:2], 16), "g": int(c[2:4], 16), "b": int(c[4:6], 16), "a": 1.0}


def network_graph(bundle, shown=None, *, positions=None, dates: str = "refined") -> nx.MultiDiGraph:
    """The faction network as drawn: one node per actor with a tie (those `shown` shows, or all), at its drawn
    position, with its name, type, first movement, family and colour and its tie count; one edge per relation
    (source → target as the text states it) with its type, whether the dashboard draws it with an arrow, its EDTF
    dates and its years as an interval (`start`/`end`, ISO dates; an open end has none). `dates`: 'refined' takes
    when_refined where there is one (as the views draw), 'text' the texts' own dates."""
    import networkx as nx  # imported here: the citations (on every slide) need none of it

    positions = positions if positions is not None else network_positions(bundle)
    prep = prepare_network(bundle, dict(positions))
    keep = set(network_actor_ids(bundle))
    if shown is not None:
        keep &= set(shown.actor_ids)
    mv = bundle.movements
    names = dict(zip(mv["movement_id"], mv["name"]))
    family = dict(zip(mv["movement_id"], mv["family_id"]))
    actors = bundle.actors.set_index("actor_id")
    G = nx.MultiDiGraph(name=f"{TITLE}: factions and ties")
    for k, aid in enumerate(prep.ids):
        if aid not in keep:
            continue
        colour = prep.colors[k] or LIGHT.no_movement
        first = prep.movement[k]
        fam = family.get(first, "") if first else ""
        x, y = float(prep.x[k]), float(prep.y[k])
        G.add_node(aid, label=prep.names[k], actor_type=prep.types[k], movement_id=first,
                   movement=names.get(first, ""), family_id=fam or "", family=names.get(fam, ""),
                   movement_ids=";".join(actors.at[aid, "movement_ids"]), color=colour,
                   tie_count=int(prep.ties[k]), mention_count=int(actors.at[aid, "mention_count"]),
                   x=x, y=y,
                   # Gephi's y axis points up, the page's down: flipped so Gephi shows the network the right way up
                   viz={"color": _rgb(colour), "size": float(prep.size[k]), "position": {"x": x, "y": -y, "z": 0.0}})
    rel = bundle.relations
    rel_ids = None if shown is None else set(shown.relation_ids) | set(shown.faded_relation_ids)
    in_period = None if shown is None else set(shown.relation_ids)
    for r in rel.to_dict("records"):
        s, t = r["source_id"], r["target_id"]
        if s not in G or t not in G or (rel_ids is not None and r["relation_id"] not in rel_ids):
            continue
        drawn = r["when_refined"] if dates == "refined" and r["when_refined"] else r["when"]
        style = EDGE_STYLES.get(r["relation_type"])
        data = {"id": r["relation_id"], "label": RELATION_LABELS.get(r["relation_type"], r["relation_type"]),
                "relation_type": r["relation_type"], "directed": bool(style[3]) if style else True,
                "when": r["when"], "when_refined": r["when_refined"], "dates_from_outside": drawn != r["when"],
                "doc_id": r["doc_id"], "quote": r["quote"], "according_to": ";".join(r["according_to"])}
        if in_period is not None:
            data["in_period"] = r["relation_id"] in in_period
        if drawn:
            w = parse_when(drawn)
            if w.start is not None:
                data["start"] = f"{w.start:04d}{_YEAR_START}"
            if w.end is not None:
                data["end"] = f"{w.end:04d}{_YEAR_END}"
        if style:
            data["viz"] = {"color": _rgb(style[1]), "thickness": float(style[2])}
        G.add_edge(s, t, key=r["relation_id"], **data)
    return G


def network_gexf(bundle, shown=None, *, positions=None, dates: str = "refined") -> bytes:
    """The network as GEXF 1.2 (Gephi's own format): viz colour, size and position per node, each tie's years as
    its interval (mode="dynamic", timeformat="date"), so Gephi's timeline plays the network. No date of writing
    (the same data give the same bytes)."""
    import networkx as nx
    from networkx.readwrite.gexf import GEXFWriter

    G = network_graph(bundle, shown, positions=positions, dates=dates)
    G.graph["mode"] = "dynamic"
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    meta.attrib.pop("lastmodifieddate", None)
    meta.find("creator").text = f"{TITLE} dashboard {__version__} (NetworkX {nx.__version__})"
    desc = meta.makeelement("description", {})
    desc.text = ("Actors (nodes, at their positions in the dashboard) and the ties the texts state between them "
                 "(edges, source to target, with their years as intervals). Derived from: "
                 + "; ".join(bundle.documents["credit"]) + ".")
    meta.append(desc)
    writer.add_graph(G)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def network_graphml(bundle, shown=None, *, positions=None, dates: str = "refined") -> bytes:
    """The network as GraphML (yEd, Cytoscape, igraph): the GEXF's attributes as plain data keys (position as x and
    y in the network's layout units, as drawn, y pointing down; colour as #RRGGBB; start/end as ISO dates)."""
    import networkx as nx

    G = network_graph(bundle, shown, positions=positions, dates=dates)
    for _, d in G.nodes(data=True):
        d.pop("viz", None)
    for _, _, d in G.edges(data=True):
        d.pop("viz", None)
        d.pop("id", None)  # the edge's key is its relation id already (GraphML's edge id)
    buf = io.BytesIO()
    nx.write_graphml(G, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()

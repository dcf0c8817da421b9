"""Static parts of the page as one component each: a tree of `dash.html` components written as escaped HTML and
shown by `HtmlBlock` (assets/html_block.js), which sets it as the inner HTML of one element.

Why: Dash 4's renderer wraps every component of a response in its own React wrapper, and each new one announces
itself to the page's store once mounted; every announcement runs the selector of every mounted component (about
200). A new source panel of ~30 components was ~30 such passes over the page per filter change. Written as HTML, it
is one component, and the browser builds the same elements. Only trees without callbacks are written so: their
buttons reach the server through delegated clicks (assets/sync_inputs.js), never as Dash inputs.

Every text and attribute value is escaped; attribute names come from the components' own props (a fixed set,
plus `data-*` and `aria-*`), and a link may only point to the page itself or a web address (`href`)."""

from __future__ import annotations

import json
import re
from html import escape
from types import MappingProxyType

from dash.development.base_component import Component

# the HTML attribute a Dash prop is written as (the others of the props below keep their name)
_ATTRIBUTES = MappingProxyType({
    "className": "class", "tabIndex": "tabindex", "htmlFor": "for", "colSpan": "colspan", "rowSpan": "rowspan",
    "accessKey": "accesskey", "contentEditable": "contenteditable", "spellCheck": "spellcheck"})
_KEPT = frozenset({"id", "title", "role", "href", "target", "rel", "lang", "dir", "hidden", "open", "type", "name",
                   "value", "disabled", "download", "draggable", "cite", "datetime", "alt", "width", "height",
                   "start", "reversed"})
_BOOLEAN = frozenset({"hidden", "open", "disabled", "reversed"})
_SKIPPED = frozenset({"children", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "key", "loading_state"})
# void elements: no closing tag, no children
_VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"})
# a link to the page itself (a query, a fragment, a path) or a web address; not "//host" (another site)
_SAFE_HREF = re.compile(r"^(https?://|[?#]|/(?![/\\])|[^:/?#\\]+(?:[/?#]|$))", re.IGNORECASE)
_WILDCARD = re.compile(r"^(data|aria)-[a-z0-9][a-z0-9_.-]*$")
# a style is a few declarations of plain values: no second declaration, block, url() or markup in a value
_STYLE_KEY = re.compile(r"^(--[a-z0-9-]+|[a-zA-Z]+)$")
_STYLE_VALUE = re.compile(r"^[\w\s#%.,()+-]*$")


class HtmlBlock(Component):
    """One element (a div) whose content is `html`: HTML this module wrote (to_html), nothing else."""

    _children_props: list = []
    _base_nodes: list = []
    _namespace = "dashboard_static"
    _type = "HtmlBlock"

    def __init__(self, html: str = "", id=None, className: str | None = None, **kwargs):
        self._prop_names = ["id", "html", "className"]
        self._valid_wildcard_attributes = []
        self.available_properties = ["id", "html", "className"]
        self.available_wildcard_properties = []
        args = {"html": html}
        if id is not None:
            args["id"] = id
        if className is not None:
            args["className"] = className
        super().__init__(**args, **kwargs)


def static_block(tree) -> HtmlBlock:
    """`tree` (a component, a string, a list of them, or None) as one HtmlBlock; its div takes no box of its own
    (`.static-html`: display: contents), so the page lays out the elements as if they were the parent's."""
    return HtmlBlock(html=to_html(tree), className="static-html")


def to_html(node) -> str:
    """A tree of dash.html components and strings as HTML, every text and attribute value escaped. Refuses
    (ValueError) a component of another library (it may need its own code in the browser) and a link to anything
    but the page itself or a web address."""
    out: list[str] = []
    _write(node, out)
    return "".join(out)


def _write(node, out: list[str]) -> None:
    if node is None or isinstance(node, bool):
        return
    if isinstance(node, (str, int, float)):
        out.append(escape(str(node), quote=False))
        return
    if isinstance(node, (list, tuple)):
        for child in node:
            _write(child, out)
        return
    if not isinstance(node, Component) or node._namespace != "dash_html_components":
        raise ValueError(f"not a dash.html component: {type(node).__name__}")
    tag = node._type.lower()
    props = node.to_plotly_json()["props"]
    out.append(f"<{tag}")
    for prop, value in props.items():
        if prop in _SKIPPED or value is None:
            continue
        out.append(_attribute(prop, value))
    out.append(">")
    if tag in _VOID:
        return
    _write(props.get("children"), out)
    out.append(f"</{tag}>")


def _attribute(prop: str, value) -> str:
    if prop == "style":
        if not isinstance(value, dict):
            raise ValueError("style must be a dict")
        for k, v in value.items():
            if not (isinstance(k, str) and _STYLE_KEY.match(k)) or (
                    v is not None and not (isinstance(v, (str, int, float)) and _STYLE_VALUE.match(str(v)))
                    or "url(" in str(v).lower()):
                raise ValueError(f"a style this module does not write: {k!r}: {v!r}")
        css = "; ".join(f"{_css_name(k)}: {v}" for k, v in value.items() if v is not None)
        return f' style="{escape(css)}"'
    if prop in _ATTRIBUTES:
        name = _ATTRIBUTES[prop]
    elif prop in _KEPT or _WILDCARD.match(prop):
        name = prop
    else:
        raise ValueError(f"prop {prop!r} is not written as HTML here")
    if prop == "id" and isinstance(value, dict):
        # as Dash writes a pattern-matching id into the page: its JSON, keys sorted (what the page's scripts parse)
        value = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if prop == "href" and not _SAFE_HREF.match(str(value)):
        raise ValueError(f"a link to {value!r}")
    if name in _BOOLEAN:
        return f" {name}" if value else ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f' {name}="{escape(str(value))}"'


def _css_name(key: str) -> str:
    """A React style key as CSS: custom properties as they are, camelCase as kebab-case."""
    if key.startswith("--"):
        return key
    return re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), key)

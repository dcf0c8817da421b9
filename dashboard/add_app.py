"""The "Add a text" page as a Dash app of its own, served under `add/` beside the dashboard on the same server.

A user pastes or uploads a plain text; the page proposes draft records with the corpus's own pipeline
(dashboard.propose), shows the text read whole with every sentence shaded by the drafts citing it (the coverage
view of an added text: proposed, accepted, left) and the drafts beside it, one card each, to accept, reject or edit
with the sentence in view. "Preview" builds the corpus with the accepted records (the build's own checks) and draws
the timeline, map and network from it; "Download records" gives a zip of the reviewed YAML files and the text.
Nothing uploaded is kept on the server beyond the request that carries it (see dashboard.adding).

Belongs here: create_add_app (the Dash app, its assets: the geo plotly.js and the styles, none of the dashboard's
scripts) and its callbacks, each a hand-off: reading the request's values, calling dashboard.adding or
dashboard.views.add_text, and drawing with dashboard.add_page.
"""

from __future__ import annotations

import functools
import logging

from dash import ALL, Dash, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from dashboard import add_page, adding, ids
from dashboard.adding import AddContext
from dashboard.frames import Bundle
from dashboard.page_scripts import SlimScriptsDash
from dashboard.propose.inputs import MAX_BYTES
from dashboard.views.add_text import (Action, cards_page, choices_for, clean_kind, clean_review, clean_status,
                                      next_review, review_data, review_model, reviewed, sentence_of)
from dashboard.views.coverage_view import legend_text

log = logging.getLogger(__name__)

PATH = "add/"
# A callback request to this page larger than this is refused (413) before it is read: the text (2 MB at most) is
# in it as the store and, on upload, also as base64.
MAX_REQUEST_BYTES = 4 * MAX_BYTES + 64 * 1024
_NO_PREVIEW = 6  # the preview's figure outputs left as they are when there is no preview
PREVIEW_POLL_MS = 500  # how often the page asks whether its preview is built


def action_of(triggered_id, triggered: list, inputs_list: list) -> Action | None:
    """The reviewer's action from a request of the review callback (None: a card drawn anew, not a click)."""
    value = triggered[0].get("value") if triggered and isinstance(triggered[0], dict) else None
    if triggered_id in (ids.ADD_ACCEPT_SHOWN, ids.ADD_REJECT_SHOWN):
        return Action("bulk", to="accepted" if triggered_id == ids.ADD_ACCEPT_SHOWN else "rejected") if value \
            else None
    if isinstance(triggered_id, dict) and triggered_id.get("type") == ids.ADD_DECIDE:
        return Action("decide", str(triggered_id.get("rid")), str(triggered_id.get("to"))) if value else None
    items = inputs_list[1] if len(inputs_list) > 1 and isinstance(inputs_list[1], list) else []
    edits = tuple((str(i["id"].get("rid")), str(i["id"].get("field")), i.get("value")) for i in items
                  if isinstance(i, dict) and isinstance(i.get("id"), dict))
    return Action("edits", edits=edits)


def register(app: Dash, add: AddContext, manager) -> None:
    """The page's callbacks; `manager` (dashboard.background.make_manager) runs the preview's build."""
    @app.callback(
        Output(ids.ADD_TEXT_STORE, "data"), Output(ids.ADD_MESSAGE, "children"), Output(ids.ADD_URL, "hash"),
        Input(ids.ADD_PROPOSE, "n_clicks"), Input(ids.ADD_UPLOAD, "contents"),
        State(ids.ADD_UPLOAD, "filename"), State(ids.ADD_PASTE, "value"), State(ids.ADD_DOC_ID, "value"),
        State(ids.ADD_TITLE, "value"), State(ids.ADD_REVIEW_STORE, "data"),
        prevent_initial_call=True,
    )
    def read(_clicks, contents, filename, pasted, doc_id, title, review_store):
        result = adding.read_request(add, uploaded=ctx.triggered_id == ids.ADD_UPLOAD, contents=contents,
                                     filename=filename, pasted=pasted, doc_id=doc_id, title=title,
                                     review_store=review_store)
        if result.store is None:
            return no_update, add_page.read_message(result), no_update
        return result.store, add_page.read_message(result), ""

    @app.callback(
        Output(ids.ADD_REVIEW, "hidden"), Output(ids.ADD_LEGEND, "children"), Output(ids.ADD_TEXT_VIEW, "children"),
        Input(ids.ADD_TEXT_STORE, "data"), Input(ids.ADD_REVIEW_STORE, "data"),
    )
    def show_text(store, review_store):
        proposal = adding.proposal_of(add, store)
        if proposal is None:
            return True, "", []
        model = review_model(add.corpus, proposal, clean_review(review_store, proposal).decisions)
        return False, f"{proposal.title}: " + legend_text(model), add_page.text_children(model)

    @app.callback(
        Output(ids.ADD_CARDS, "children"), Output(ids.ADD_PAGE_LABEL, "children"),
        Output(ids.ADD_SENTENCE_NOTE, "children"), Output(ids.ADD_KIND, "options"),
        Input(ids.ADD_TEXT_STORE, "data"), Input(ids.ADD_REVIEW_STORE, "data"), Input(ids.ADD_KIND, "value"),
        Input(ids.ADD_STATUS, "value"), Input(ids.ADD_URL, "hash"), Input(ids.ADD_PAGE_STORE, "data"),
    )
    def show_cards(store, review_store, kind, status, hash_, page):
        proposal = adding.proposal_of(add, store)
        if proposal is None:
            return [], "", "", no_update
        choices = choices_for(add.corpus, proposal)
        sentence = sentence_of(hash_, proposal)
        pg = cards_page(reviewed(proposal, clean_review(review_store, proposal), choices), clean_kind(kind),
                        clean_status(status), sentence, page if isinstance(page, int) else 0)
        text = proposal.passages.set_index("passage_id")["text"].get(sentence) if sentence else None
        return (add_page.cards_children(pg, choices), add_page.page_label(pg), add_page.sentence_note(text),
                add_page.kind_options(pg))

    @app.callback(
        Output(ids.ADD_PAGE_STORE, "data"),
        Input(ids.ADD_PREV, "n_clicks"), Input(ids.ADD_NEXT, "n_clicks"), Input(ids.ADD_KIND, "value"),
        Input(ids.ADD_STATUS, "value"), Input(ids.ADD_URL, "hash"), State(ids.ADD_PAGE_STORE, "data"),
        prevent_initial_call=True,
    )
    def turn(_prev, _next, _kind, _status, _hash, page):
        page = page if isinstance(page, int) and not isinstance(page, bool) and 0 <= page < 10**6 else 0
        step = {ids.ADD_NEXT: 1, ids.ADD_PREV: -1}.get(ctx.triggered_id) if isinstance(ctx.triggered_id, str) \
            else None
        new = 0 if step is None else max(page + step, 0)  # cards_page clamps it to the last page
        if new == page:
            raise PreventUpdate  # the cards are drawn once per change, not again for an unchanged page
        return new

    @app.callback(
        Output(ids.ADD_REVIEW_STORE, "data"),
        Input({"type": ids.ADD_DECIDE, "rid": ALL, "to": ALL}, "n_clicks"),
        Input({"type": ids.ADD_EDIT, "rid": ALL, "field": ALL}, "value"),
        Input(ids.ADD_ACCEPT_SHOWN, "n_clicks"), Input(ids.ADD_REJECT_SHOWN, "n_clicks"),
        State(ids.ADD_REVIEW_STORE, "data"), State(ids.ADD_TEXT_STORE, "data"), State(ids.ADD_KIND, "value"),
        State(ids.ADD_STATUS, "value"), State(ids.ADD_URL, "hash"),
        prevent_initial_call=True,
    )
    def decide(_decide, _edits, _accept_all, _reject_all, review_store, store, kind, status, hash_):
        proposal = adding.proposal_of(add, store)
        action = action_of(ctx.triggered_id, ctx.triggered, ctx.inputs_list)
        if proposal is None or action is None:
            raise PreventUpdate
        new = next_review(proposal, clean_review(review_store, proposal), choices_for(add.corpus, proposal), action,
                          kind=kind, status=status, sentence=sentence_of(hash_, proposal))
        if new is None:
            raise PreventUpdate
        return review_data(new)

    def show_preview(set_progress, clicks, store, review_store):
        from dashboard.views.network import network_stylesheet

        proposal = adding.proposal_of(add, store)
        if not clicks or proposal is None:
            raise PreventUpdate
        try:
            p = adding.preview(add, proposal, clean_review(review_store, proposal), choices_for(add.corpus, proposal),
                               progress=set_progress)
        except Exception:  # a bug, not the user's records (the build's refusals are a Preview): said, and logged
            log.exception("the preview of %s failed", proposal.doc_id)
            return True, add_page.preview_failed(), *([no_update] * _NO_PREVIEW)
        if p.rendered is None:
            return True, add_page.preview_message(p), *([no_update] * _NO_PREVIEW)
        r, vp = p.rendered, p.rendered.network_viewport
        return (False, add_page.preview_message(p), r.timeline, r.map, r.elements, network_stylesheet(),
                vp["zoom"], vp["pan"])

    # the build takes seconds: a background callback (dashboard.background), never a request thread
    app.callback(
        Output(ids.ADD_PREVIEW_PANEL, "hidden"), Output(ids.ADD_PREVIEW_MESSAGE, "children"),
        Output(ids.ADD_PREVIEW_TIMELINE, "figure"), Output(ids.ADD_PREVIEW_MAP, "figure"),
        Output(ids.ADD_PREVIEW_NETWORK, "elements"), Output(ids.ADD_PREVIEW_NETWORK, "stylesheet"),
        Output(ids.ADD_PREVIEW_NETWORK, "zoom"), Output(ids.ADD_PREVIEW_NETWORK, "pan"),
        Input(ids.ADD_PREVIEW, "n_clicks"), State(ids.ADD_TEXT_STORE, "data"), State(ids.ADD_REVIEW_STORE, "data"),
        prevent_initial_call=True, background=True, manager=manager, interval=PREVIEW_POLL_MS,
        progress=[Output(ids.ADD_PREVIEW_STATUS, "children")], progress_default=[""],
        running=[(Output(ids.ADD_PREVIEW, "disabled"), True, False),
                 (Output(ids.ADD_PREVIEW_STATUS, "hidden"), False, True)],
        cancel=[Input(ids.ADD_TEXT_STORE, "data")],
    )(manager.adopt(show_preview))

    @app.callback(
        Output(ids.ADD_DOWNLOAD, "data"),
        Input(ids.ADD_DOWNLOAD_BUTTON, "n_clicks"), State(ids.ADD_TEXT_STORE, "data"),
        State(ids.ADD_REVIEW_STORE, "data"), prevent_initial_call=True,
    )
    def download(clicks, store, review_store):
        proposal = adding.proposal_of(add, store)
        if not clicks or proposal is None:
            raise PreventUpdate
        data = adding.reviewed_zip(proposal, clean_review(review_store, proposal), choices_for(add.corpus, proposal))
        return dcc.send_bytes(data, f"{proposal.doc_id}_reviewed.zip")


def create_add_app(main: Dash, corpus: Bundle, topojson_url: str, manager) -> Dash:
    """The page as a Dash app on the dashboard's own server, under its prefix + `add/`; `manager` runs its
    background callbacks (dashboard.background.make_manager)."""
    from dashboard.paths import ASSETS_DIR

    prefix = main.config.requests_pathname_prefix
    app = SlimScriptsDash(
        __name__, server=main.server, url_base_pathname=prefix + PATH, title=f"{add_page.TITLE} · {main.title}",
        assets_folder=str(ASSETS_DIR), assets_path_ignore=["lazy"],
        # the geo plotly.js (assets/vendor) and the styles only: the dashboard's scripts are for its own page
        assets_ignore=r"^(?!plotly-geo\.min\.js$).*\.js$",
        serve_locally=True, update_title=None, suppress_callback_exceptions=False, compress=True,
    )
    app.enable_dev_tools(debug=False, dev_tools_ui=False, dev_tools_props_check=False, dev_tools_hot_reload=False,
                         dev_tools_disable_version_check=True)
    app.layout = functools.partial(add_page.layout, topojson_url)
    register(app, AddContext(corpus), manager)
    return app

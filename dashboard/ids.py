"""Every component id in the app, in one place, with the pattern-matching id factories beside them."""

from __future__ import annotations

URL = "url"
SELECTION = "selection-store"
BG_CLICK = "background-click"
VIEWS_DRAWN = "views-drawn"  # what the views on the page were drawn for (dashboard.callbacks.views_key)
VIEW_SIZES = "view-sizes"  # the px size of each view, measured in the browser (assets/view_sizes.js)
NETWORK_MODE = "network-mode"
DATE_MODE = "date-mode"
VIEW_SWITCH = "view-switch"  # the map panel shows the map or the Debates view

PERIOD_SLIDER = "period-slider"
PERIOD_BUTTON = "period-button"  # pattern-matching type: {"type": PERIOD_BUTTON, "period": period_id}
PERIOD_MENU = "period-menu"
MOVEMENTS = "movement-filter"
TYPES = "type-filter"
SEARCH = "search-box"
RESET = "reset-button"
LANES = "lane-mode"
REGION = "map-region"
SUMMARY = "summary-line"
BORDERS = "map-borders"
THEME = "theme-toggle"
PRESENT = "present-toggle"
PLAY = "play-button"
PLAY_STEP = "play-step"
PLAY_SPEED = "play-speed"
PLAY_TIMER = "play-timer"
PLAY_TICK = "play-tick"  # a playback step asked for: {"n", "from": the selection it steps from, "t"}
PLAY_REQUEST = "play-request"  # {"play": bool, "n": clicks}: what the last click on Play / Pause asked for
TABLE = "record-table"  # the box of the records table, which holds the grid once the table was first shown
GRID = "records-grid"  # pattern-matching type of the dash-ag-grid of the records shown: {"type": GRID, "of": ...}
TABLE_ROWS_KEY = "table-rows-key"  # TableRows.key of the rows the grid has (they are sent only when it changes)
TABLE_CSV = "table-csv-button"  # the grid's own CSV export of the rows it shows
DATA_BUTTON = "download-data-button"
PACKAGE_BUTTON = "download-package-button"
DATA_DOWNLOAD = "data-download"
# The field's formats (dashboard.field_formats): what the filters show as Linked Places, GEXF, GraphML; the view's
# citation, and the source texts as CSL-JSON and BibTeX.
LPF_BUTTON = "download-lpf-button"
GEXF_BUTTON = "download-gexf-button"
GRAPHML_BUTTON = "download-graphml-button"
CITE_TEXT = "cite-view-text"
CITE_COPY = "cite-view-copy"
CSL_BUTTON = "download-csl-button"
BIB_BUTTON = "download-bib-button"
FIELD_DOWNLOAD = "field-format-download"
SLIDE_BUTTON = "download-slide-button"
SLIDE_SIZE = "slide-size"
SLIDE_DOWNLOAD = "slide-download"  # the slide figure (a dcc.Store) the browser renders and downloads
SLIDE_RENDERED = "slide-rendered"  # what the browser rendered last: file name and size
# "Download animation": the film of the current filters, rendered on the server by dashboard.film_jobs.
FILM_BUTTON = "download-film-button"
FILM_FORMAT = "film-format"  # gif | mp4
FILM_JOB = "film-job"  # a dcc.Store: {"id": job id or None, "message": what the submit said}
FILM_TIMER = "film-timer"  # the dcc.Interval that polls the job while it renders
FILM_STATUS = "film-status"  # the job's progress in words (role=status)
FILM_PROGRESS = "film-progress"  # an html.Progress of the frames rendered
FILM_READY = "film-ready"  # a dcc.Store: the finished film's URL and name, which assets/film_download.js fetches
FILM_SAVED = "film-saved"  # what the browser downloaded last
NETWORK_PNG = "network-png-button"
NETWORK_SVG = "network-svg-button"
VIEW_TEXT = "view-text-summary"
APP_ROOT = "app-root"
PRESENT_EXIT = "present-exit"
NETWORK_NOTE = "network-note"
NETWORK_EMPTY = "network-empty"  # the network panel's message when no actor matches the filters
TABLE_OPEN = "table-open"
TABLE_GRID = "table-grid-opened"  # times the grid was shown (it is put into the page the first time: lazy_grid)
TIMELINE_ZOOM = "timeline-zoom"  # the timeline's relayoutData when it zooms or resets (assets/sync_inputs.js)
LINK_CLICK = "link-click"  # a click on a source panel's link or clear button, passed on by assets/sync_inputs.js
TABLE_CLICK = "table-click"  # the grid's cellClicked, passed on to the sync callback (which fires without the grid)
TABLE_TOGGLE = "table-toggle"
TABLE_CAPTION = "table-caption"
TABLE_PANEL = "table-panel"  # the screen-reader description of what every view shows

TIMELINE = "timeline-graph"
MAP = "map-graph"
DEBATES = "debates-graph"
NETWORK = "network-graph"
NETWORK_LEGEND = "network-legend"
SOURCE = "source-panel"
CLEAR = "clear-selection"
CITE_LINK = "cite-link"  # pattern-matching type: {"type": CITE_LINK, "record": record_id}


def period_button(period_id: str) -> dict:
    return {"type": PERIOD_BUTTON, "period": period_id}


def cite_link(record_id: str) -> dict:
    return {"type": CITE_LINK, "record": record_id}


def clear_button(scope: str) -> dict:
    return {"type": CLEAR, "scope": scope}


def records_grid() -> dict:
    """The records grid's id: pattern-matching, so that the callbacks that read or write it may run, matching
    nothing, before it is in the page (dashboard.lazy_grid)."""
    return {"type": GRID, "of": "records"}


# The "Add a text" page (dashboard.add_app), a Dash app of its own under /add/.
ADD_URL = "add-url"  # its location: the hash names the sentence the proposals are narrowed to
ADD_UPLOAD = "add-upload"
ADD_PASTE = "add-paste"
ADD_DOC_ID = "add-doc-id"
ADD_TITLE = "add-title"
ADD_PROPOSE = "add-propose"
ADD_MESSAGE = "add-message"
ADD_TEXT_STORE = "add-text-store"  # the text being added (session storage of this browser tab only)
ADD_REVIEW_STORE = "add-review-store"  # the reviewer's decisions and edits
ADD_PAGE_STORE = "add-page-store"
ADD_REVIEW = "add-review"  # the review section (hidden until a text is read)
ADD_LEGEND = "add-legend"
ADD_TEXT_VIEW = "add-text-view"
ADD_KIND = "add-kind"
ADD_STATUS = "add-status"
ADD_SENTENCE_NOTE = "add-sentence-note"
ADD_CARDS = "add-cards"
ADD_PREV = "add-prev"
ADD_NEXT = "add-next"
ADD_PAGE_LABEL = "add-page-label"
ADD_ACCEPT_SHOWN = "add-accept-shown"
ADD_REJECT_SHOWN = "add-reject-shown"
ADD_PREVIEW = "add-preview-button"
ADD_PREVIEW_MESSAGE = "add-preview-message"
ADD_PREVIEW_STATUS = "add-preview-status"  # the preview job's progress while it runs
ADD_PREVIEW_PANEL = "add-preview-panel"
ADD_PREVIEW_TIMELINE = "add-preview-timeline"
ADD_PREVIEW_MAP = "add-preview-map"
ADD_PREVIEW_NETWORK = "add-preview-network"
ADD_DOWNLOAD_BUTTON = "add-download-button"
ADD_DOWNLOAD = "add-download"
ADD_DECIDE = "add-decide"  # pattern-matching type: {"type": ADD_DECIDE, "rid": record_id, "to": decision}
ADD_EDIT = "add-edit"  # pattern-matching type: {"type": ADD_EDIT, "rid": record_id, "field": field}


def add_decide(record_id: str, to: str) -> dict:
    return {"type": ADD_DECIDE, "rid": record_id, "to": to}


def add_edit(record_id: str, field: str) -> dict:
    return {"type": ADD_EDIT, "rid": record_id, "field": field}

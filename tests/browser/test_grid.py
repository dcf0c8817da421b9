"""The records grid (dash-ag-grid) in headless Chromium, under the app's Content-Security-Policy: sort by a header,
filter by a column's field, select a row by keyboard (arrow keys + Enter) and see the selection everywhere, the
selected row marked and scrolled to, the grid's own CSV export; no CSP violation and no console error."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.selection import Selection, shown
from dashboard.views.table import table_rows
from tests.browser.test_dashboard import TIMEOUT, open_app, summary

pytestmark = pytest.mark.browser

GRID = "#record-table"
ROWS = f"{GRID} .ag-center-cols-container .ag-row"
# every CSP violation the page reports (Chromium also logs each as a console error)
CSP_PROBE = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));")
# the grid's rows as it shows them (after its sort and filter): [id, year, title]
SHOWN_ROWS = ("() => { const api = dash_ag_grid.getApi({type: 'records-grid', of: 'records'}); const out = [];"
              " api.forEachNodeAfterFilterAndSort(n => out.push([n.data.id, n.data.year, n.data.title]));"
              " return out; }")


def header(col: str) -> str:
    return f"{GRID} .ag-header-cell[role='columnheader'][col-id='{col}']"


def _open_table(dash_page, query: str = ""):
    dash_page.page.add_init_script(CSP_PROBE)
    page = open_app(dash_page, query)
    page.click("#table-toggle")
    page.wait_for_selector(ROWS, timeout=TIMEOUT)
    return page


def _clean(dash_page) -> None:
    """No CSP violation, no console error, nothing fetched off the machine."""
    assert dash_page.page.evaluate("() => window.__csp") == []
    assert dash_page.console_errors == []
    assert dash_page.blocked == []


def _focused(page) -> tuple | None:
    """(row index, column id) of the focused grid cell, None when the focus is elsewhere."""
    got = page.evaluate("""() => { const a = document.activeElement; const r = a && a.closest('.ag-row');
        return r ? [Number(r.getAttribute('row-index')), a.getAttribute('col-id')] : null; }""")
    return tuple(got) if got else None


def test_grid001_rows_virtualised_and_sorted_by_a_header(dash_page, bundle):
    page = _open_table(dash_page)
    rows = page.evaluate(SHOWN_ROWS)
    sel = Selection()
    assert [r[0] for r in rows] == list(table_rows(bundle, shown(bundle, sel), sel).ids)
    assert page.locator("#table-caption").inner_text() == f"{len(rows):,} records"
    # virtualised: hundreds of rows, a few dozen in the DOM
    assert len(rows) > 500 and page.locator(ROWS).count() < 60
    # the Years header: ascending, then descending
    page.click(f"{header('year')} .ag-header-cell-label")
    page.wait_for_function(f"() => document.querySelector(\"{header('year')}\").getAttribute('aria-sort') "
                           "=== 'ascending'", timeout=TIMEOUT)
    page.click(f"{header('year')} .ag-header-cell-label")
    page.wait_for_function(f"() => document.querySelector(\"{header('year')}\").getAttribute('aria-sort') "
                           "=== 'descending'", timeout=TIMEOUT)
    years = [r[1] for r in page.evaluate(SHOWN_ROWS)]
    dated = [y for y in years if y is not None]
    assert dated == sorted(dated, reverse=True) and years[0] == max(dated)
    # the first row on screen is the latest record, its years as text
    first = page.locator(f"{ROWS}[row-index='0'] .ag-cell[col-id='year']").inner_text()
    assert str(max(dated)) in first
    _clean(dash_page)


def test_grid002_filter_by_a_column_field(dash_page):
    page = _open_table(dash_page)
    total = len(page.evaluate(SHOWN_ROWS))
    field = page.locator(f"{GRID} .ag-floating-filter[col-id='title'] input")
    field.fill("trotsky")
    page.wait_for_function(f"(n) => ({SHOWN_ROWS})().length < n", arg=total, timeout=TIMEOUT)
    rows = page.evaluate(SHOWN_ROWS)
    assert rows and all("trotsky" in title.casefold() for _, _, title in rows)
    assert page.locator(f"{ROWS}[row-index='0'] .ag-cell[col-id='title']").inner_text().casefold().count("trotsky")
    field.fill("")
    page.wait_for_function(f"(n) => ({SHOWN_ROWS})().length === n", arg=total, timeout=TIMEOUT)
    _clean(dash_page)


def test_grid003_select_by_keyboard(dash_page):
    page = _open_table(dash_page)
    before = summary(page)
    # from the button before the grid: Tab into the headers, down through the filter row to the second row
    page.focus("#table-csv-button")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _focused(page) == (1, "kind")
    row_id, _, title = page.evaluate(SHOWN_ROWS)[1]
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => location.search.includes('select=' + id)", arg=row_id, timeout=TIMEOUT)
    page.wait_for_function("(t) => document.querySelector('#source-panel').innerText.includes(t)", arg=title,
                           timeout=TIMEOUT)
    assert parse_qs(urlparse(page.url).query)["select"] == [row_id]
    page.wait_for_selector(f"{ROWS}.ag-row-selected[row-id='{row_id}']", timeout=TIMEOUT)
    assert page.locator(f"{ROWS}.ag-row-selected").count() == 1
    assert summary(page) == before  # selecting does not filter
    # the focus stays in the grid: down once more and Enter moves the selection
    assert _focused(page) == (1, "kind")
    page.keyboard.press("ArrowDown")
    next_id, _, next_title = page.evaluate(SHOWN_ROWS)[2]
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => location.search.includes('select=' + id)", arg=next_id, timeout=TIMEOUT)
    page.wait_for_function("(t) => document.querySelector('#source-panel').innerText.includes(t)",
                           arg=next_title, timeout=TIMEOUT)
    assert parse_qs(urlparse(page.url).query)["select"] == [next_id]
    page.wait_for_selector(f"{ROWS}.ag-row-selected[row-id='{next_id}']", timeout=TIMEOUT)
    assert page.locator(f"{ROWS}.ag-row-selected").count() == 1
    # Space, AG Grid's own row-selection key, selects the record too: the grid never marks a row the app has not
    page.keyboard.press("ArrowDown")
    third_id = page.evaluate(SHOWN_ROWS)[3][0]
    page.keyboard.press(" ")
    page.wait_for_function("(id) => location.search.includes('select=' + id)", arg=third_id, timeout=TIMEOUT)
    page.wait_for_selector(f"{ROWS}.ag-row-selected[row-id='{third_id}']", timeout=TIMEOUT)
    assert page.locator(f"{ROWS}.ag-row-selected").count() == 1
    _clean(dash_page)


def test_grid004_click_selects_and_a_selection_from_elsewhere_is_scrolled_to(dash_page, bundle):
    sel = Selection()
    ids = table_rows(bundle, shown(bundle, sel), sel).ids
    far = ids[len(ids) * 3 // 4]  # far below the first screen of rows
    page = _open_table(dash_page, f"?select={far}")
    row = page.locator(f"{ROWS}[row-id='{far}']")
    row.wait_for(timeout=TIMEOUT)
    page.wait_for_selector(f"{ROWS}.ag-row-selected[row-id='{far}']", timeout=TIMEOUT)
    in_view = f"""() => {{ const v = document.querySelector('{GRID} .ag-body-viewport').getBoundingClientRect();
        const r = document.querySelector("{ROWS}[row-id='{far}']").getBoundingClientRect();
        return r.top >= v.top && r.top + Math.min(r.height, v.height) <= v.bottom; }}"""
    page.wait_for_function(in_view, timeout=TIMEOUT)
    page.wait_for_timeout(1000)
    assert page.evaluate(in_view), "the selected row stays in view once its neighbours have their heights"
    # a click on another row's cell selects its record; the row stays where it is
    other_id = page.evaluate(f"""() => {{
        const v = document.querySelector('{GRID} .ag-body-viewport').getBoundingClientRect();
        const r = [...document.querySelectorAll("{ROWS}:not(.ag-row-selected)")].find(e => {{
            const b = e.getBoundingClientRect(); return b.top >= v.top && b.top + 30 <= v.bottom; }});
        return r ? r.getAttribute('row-id') : null; }}""")
    assert other_id, "another row is in view beside the selected one"
    other = page.locator(f"{ROWS}[row-id='{other_id}']")
    y = other.bounding_box()["y"]
    answers = []
    page.on("response", lambda r: answers.append(r) if "_dash-update-component" in r.url else None)
    other.locator(".ag-cell[col-id='kind']").click()
    page.wait_for_function("(id) => location.search.includes('select=' + id)", arg=other_id, timeout=TIMEOUT)
    page.wait_for_selector(f"{ROWS}.ag-row-selected[row-id='{other_id}']", timeout=TIMEOUT)
    assert abs(page.locator(f"{ROWS}[row-id='{other_id}']").bounding_box()["y"] - y) < 2
    # the grid already has its rows: the answer to the click marks the row and sends no rows
    page.wait_for_timeout(500)
    bodies = [r.text() for r in answers]
    assert any('"selectedRows"' in b for b in bodies) and not any('"rowData"' in b for b in bodies)
    _clean(dash_page)


def test_grid005_csv_export_is_what_the_grid_shows(dash_page):
    page = _open_table(dash_page, "?period=1936-1938&movement=trotskyism")
    page.locator(f"{GRID} .ag-floating-filter[col-id='kind'] input").fill("tie")
    page.wait_for_function(f"() => ({SHOWN_ROWS})().every(r => r[0].startsWith('rel_'))", timeout=TIMEOUT)
    shown_rows = page.evaluate(SHOWN_ROWS)
    with page.expect_download(timeout=TIMEOUT) as info:
        page.click("#table-csv-button")
    d = info.value
    assert d.suggested_filename == "table_1936-1938_trotskyism.csv"
    text = open(d.path(), encoding="utf-8-sig").read()
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["Id"] for r in table] == [r[0] for r in shown_rows]
    wanted = {"Kind", "Title / name", "Years", "Quote (verbatim)", "Outside the texts", "Date note", "Id"}
    assert wanted <= set(table[0])
    # years as the grid shows them (text), not the sort key
    first = page.locator(f"{ROWS}[row-index='0'] .ag-cell[col-id='year']").inner_text()
    assert table[0]["Years"] == first.replace("\n", " ")
    _clean(dash_page)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_grid006_grid_takes_the_app_theme(dash_page, theme):
    page = _open_table(dash_page, "?theme=dark" if theme == "dark" else "")
    colours = page.evaluate("""() => {
        const bg = el => getComputedStyle(el).backgroundColor;
        const panel = getComputedStyle(document.querySelector('.panel')).backgroundColor;
        const cell = document.querySelector('#record-table .ag-center-cols-container .ag-row .ag-cell');
        return {panel, row: bg(cell.closest('.ag-row')), ink: getComputedStyle(cell).color,
                app: getComputedStyle(document.querySelector('.app')).color,
                font: getComputedStyle(cell).fontFamily, appFont: getComputedStyle(document.body).fontFamily}; }""")
    assert colours["row"] == colours["panel"], colours
    assert colours["ink"] == colours["app"], colours
    assert colours["font"] == colours["appFont"], colours
    # no header is cut: each header's label fits its cell
    clipped = page.evaluate("""() => [...document.querySelectorAll('#record-table .ag-header-cell[role=columnheader]')]
        .map(h => h.querySelector('.ag-header-cell-text')).filter(t => t && t.scrollWidth > t.clientWidth + 1)
        .map(t => t.textContent)""")
    assert clipped == []
    _clean(dash_page)


def test_grid007_the_grid_script_loads_when_the_table_is_first_shown(dash_page, bundle):
    # the first visit fetches none of dash-ag-grid's files; "Show table" fetches its bundle (and the chunk it draws
    # with) once, and the table works at the first click
    fetched = []
    dash_page.page.on("request", lambda r: fetched.append(r.url))
    dash_page.page.add_init_script(CSP_PROBE)
    page = open_app(dash_page, "?period=1936-1938")
    page.wait_for_timeout(500)
    assert not [u for u in fetched if "dash_ag_grid" in u]
    assert page.evaluate("() => typeof window.dash_ag_grid") == "undefined"
    assert page.query_selector(".records-grid") is None
    page.click("#table-toggle")
    page.wait_for_selector(ROWS, timeout=TIMEOUT)
    assert page.get_attribute("#table-toggle", "aria-expanded") == "true"
    grid_files = [u for u in fetched if "dash_ag_grid" in u]
    assert any("dash_ag_grid.v" in u for u in grid_files), grid_files
    # hidden and shown again: nothing fetched again, the rows follow a selection made while it was hidden
    page.click("#table-toggle")
    page.wait_for_selector("#table-panel[hidden]", state="attached", timeout=TIMEOUT)
    before = len([u for u in fetched if "dash_ag_grid" in u])
    page.evaluate("() => { history.pushState({}, '', '?period=1917-1921'); "
                  "window.dispatchEvent(new PopStateEvent('popstate')); }")
    page.wait_for_function("() => document.querySelector('#summary-line').textContent.includes('1917')",
                           timeout=TIMEOUT)
    page.click("#table-toggle")
    sel = Selection(year_start=1917, year_end=1921)
    want = list(table_rows(bundle, shown(bundle, sel), sel).ids)
    got = None
    for _ in range(40):  # the rows of the new period, once the shown table has them
        got = [r[0] for r in page.evaluate(SHOWN_ROWS)]
        if got == want:
            break
        page.wait_for_timeout(250)
    assert got == want
    assert len([u for u in fetched if "dash_ag_grid" in u]) == before
    _clean(dash_page)

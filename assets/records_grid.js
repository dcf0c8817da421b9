/* The functions the records grid names in its column definitions, options and event listeners
   (dashboard/views/table.py), e.g. {"function": "recordYears(params)"}.

   Why here: the page's Content-Security-Policy has no 'unsafe-eval'. dash-ag-grid reads each such string with its
   own expression parser and calls the function of that name from window.dashAgGridFunctions, so no code string is
   ever evaluated and dangerously_allow_code stays off. Every name a {"function": ...} uses must be defined below as
   `fns.name = function` (tests/test_table.py checks it). Cells stay plain text: nothing here writes HTML. */
(function () {
  "use strict";
  var fns = window.dashAgGridFunctions = window.dashAgGridFunctions || {};

  // The row's own text for a numeric sort key: the years as the texts give them (both dates where refined), the
  // figure as a range ("600,000 – 1,000,000+"). The CSV export writes these too.
  fns.recordYears = function (params) {
    return params && params.data ? params.data.years : "";
  };
  fns.recordCount = function (params) {
    return params && params.data ? params.data.count : "";
  };

  // Enter on a focused cell selects its record, as a click does: the grid's own cellClicked event, which the
  // server's sync callback reads (the same selection path as a click on a map or timeline mark). Space, which
  // AG Grid itself uses to select the focused row, does the same, so the grid never marks a row the app has not
  // selected.
  fns.selectOnEnter = function (params, setGridProps) {
    var e = params && params.event;
    if (!e || (e.key !== "Enter" && e.key !== " ") || e.altKey || e.ctrlKey || e.metaKey || !params.node || params.node.id == null) {
      return;
    }
    setGridProps({
      cellClicked: {
        value: params.value,
        colId: params.column ? params.column.getColId() : null,
        rowIndex: params.rowIndex,
        rowId: params.node.id,
        timestamp: Date.now()
      }
    });
  };

  // The selected record's row, scrolled to the middle of the grid when it is not wholly in view (a row already in
  // view, e.g. the one just clicked, does not move). Rows of wrapped text take their height once drawn, so rows
  // above it may grow after the scroll: look again a few times until it stays in view.
  fns.showSelected = function (params) {
    var api = params && params.api;
    if (!api) { return; }
    var node = api.getSelectedNodes()[0];
    if (!node) { return; }
    var tries = 4;
    (function reveal() {
      if (api.isDestroyed() || !node.isSelected() || node.rowIndex == null) { return; }
      var range = api.getVerticalPixelRange();
      var top = node.rowTop;
      if (top == null || top < range.top || top + Math.min(node.rowHeight, range.bottom - range.top) > range.bottom) {
        api.ensureNodeVisible(node, "middle");
      }
      if (tries-- > 0) { setTimeout(reveal, 150); }
    })();
  };

  // The grid's theme: AG Grid's Quartz theme with the app's type and colours (the custom properties of
  // assets/app.css), so that the dark theme follows by itself. The theme API writes these as CSS custom properties
  // in a <style> element of its own (style-src 'unsafe-inline', which the page already allows for Plotly).
  fns.recordsTheme = function (theme) {
    return theme.withParams({
      fontFamily: "var(--font)",
      fontSize: 13,
      headerFontSize: 12,
      headerFontWeight: 600,
      spacing: 5,
      cellHorizontalPaddingScale: 0.7,  // 10 px each side: the years and counts keep to two lines
      wrapperBorderRadius: 6,
      borderRadius: 4,
      browserColorScheme: "inherit",
      backgroundColor: "var(--panel)",
      foregroundColor: "var(--ink)",
      textColor: "var(--ink)",
      subtleTextColor: "var(--muted)",
      headerBackgroundColor: "var(--button-bg)",
      headerTextColor: "var(--ink)",
      chromeBackgroundColor: "var(--button-bg)",
      borderColor: "var(--line)",
      accentColor: "var(--accent)",
      inputBorder: { color: "var(--field-line)" },
      inputBackgroundColor: "var(--panel)",
      inputTextColor: "var(--ink)",
      inputPlaceholderTextColor: "var(--muted)",
      rowHoverColor: "var(--button-bg-strong)",
      selectedRowBackgroundColor: "color-mix(in srgb, var(--accent) 18%, var(--panel))",
      oddRowBackgroundColor: "var(--panel)",
      tooltipBackgroundColor: "var(--panel)",
      tooltipTextColor: "var(--ink)",
      tooltipBorder: { color: "var(--line)" }
    });
  };
})();

/* The grid's cellClicked, passed on to the sync callback's input (a store that exists before the grid does). */
(function () {
  "use strict";
  var ns = window.dash_clientside = window.dash_clientside || {};
  ns.records_grid = {
    clicked: function (cells) { return (cells && cells[0]) || window.dash_clientside.no_update; }
  };
})();

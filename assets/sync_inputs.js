/* What reaches the server's sync callback only when it means something, so that the page sends no request and
   runs no callback for nothing.
   - The source panel's links (a record's citations, the overview's events) and its clear buttons: a click on one
     is told to the "link-click" store, {id: the button's id, n: a count}. They are not Dash inputs: Dash calls a
     callback on pattern-matching inputs whenever such buttons enter the page (every new source panel) with nothing
     clicked — a request for nothing after each panel, or a callback run in the browser, which costs the renderer a
     pass over the page's components. (So the buttons carry no n_clicks either.)
   - The timeline's relayoutData when it zooms or resets: plotly also reports its autosize after a first draw. */
(function () {
  "use strict";
  var LINKS = { "cite-link": true, "clear-selection": true };  // dashboard/ids.py: CITE_LINK, CLEAR (tested)
  var clicks = 0;

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest("#source-panel button[id^='{']");
    if (!button || !(window.dash_clientside && window.dash_clientside.set_props)) { return; }
    var id;
    try { id = JSON.parse(button.id); } catch (err) { return; }
    if (!id || !LINKS[id.type]) { return; }
    clicks += 1;
    window.dash_clientside.set_props("link-click", { data: { id: id, n: clicks } });
  });

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.sync_inputs = {
    // the timeline's relayoutData when it touches the x axis (a zoom or a reset: what the server reads of it,
    // dashboard.events._relayout_range), for the "timeline-zoom" store
    zoomed: function (relayout) {
      var keys = Object.keys(relayout || {});
      for (var i = 0; i < keys.length; i++) {
        if (keys[i].indexOf("xaxis.") === 0) { return relayout; }
      }
      return window.dash_clientside.no_update;
    }
  };
})();

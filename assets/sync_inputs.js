/* What reaches the server's sync callback only when it means something, so that the page sends no request for
   nothing. The source panel's links (a record's citations, the overview's events) and its clear buttons: they are
   pattern-matching inputs, and Dash calls a callback on those whenever such buttons enter the page (every new
   source panel) with nothing clicked. The timeline's relayoutData: plotly reports its autosize too, after every
   first draw. Answered by the server, each was a request for nothing, a first visit's last. */
(function () {
  "use strict";
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.sync_inputs = {
    // → {id: the clicked button's id, n: its n_clicks} for the "link-click" store, or no update
    clicked: function () {
      var dc = window.dash_clientside;
      var fired = (dc.callback_context && dc.callback_context.triggered) || [];
      for (var i = 0; i < fired.length; i++) {
        var t = fired[i];
        if (t && t.value) {
          try {
            return { id: JSON.parse(t.prop_id.slice(0, t.prop_id.lastIndexOf("."))), n: t.value };
          } catch (e) { /* not a pattern id: not ours */ }
        }
      }
      return dc.no_update;
    },
    // the timeline's relayoutData when it zooms (a range) or resets (autorange), for the "timeline-zoom" store
    zoomed: function (relayout) {
      var r = relayout || {};
      var zoom = r["xaxis.autorange"] || ("xaxis.range[0]" in r && "xaxis.range[1]" in r) ||
        Array.isArray(r["xaxis.range"]);
      return zoom ? r : window.dash_clientside.no_update;
    }
  };
})();

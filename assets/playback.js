/* Playback's button, read in the browser (dashboard/views/filters.py play_controls, dashboard/callbacks.py).

   Why here: a click on Pause sent to the server could be lost. Dash drops the answer of a callback still on its
   way when the same callback is asked again, and a playback tick asks again every 800 ms; a slow answer to the
   click was dropped for the tick's, which kept playing. Here a pause stops the timer at once, in the browser, and
   still tells the server (its request makes Dash drop a tick already on its way); a start asks the server for the
   period to begin with, which starts the timer. The label always says what the timer does.

   For the same reason a tick asks for the next step only once the last step has been answered (the selection is
   no longer the one it stepped from): on a server slower than the timer every step would be dropped for the next,
   and playback would stand still. A step that never came back (dropped for a request that changed nothing) is
   asked for again after WAIT_MS. */
(function () {
  "use strict";
  var ns = window.dash_clientside = window.dash_clientside || {};
  var WAIT_MS = 5000;
  var PLAY = "\u25b6 Play", PAUSE = "\u275a\u275a Pause";  // dashboard/views/filters.py PLAY_LABEL, PAUSE_LABEL
  ns.playback = {
    // -> [the timer's disabled, PLAY_REQUEST]
    toggle: function (clicks, disabled) {
      var no = window.dash_clientside.no_update;
      if (!clicks) { return [no, no]; }
      if (disabled === false) { return [true, {play: false, n: clicks}]; }
      return [no, {play: true, n: clicks}];
    },
    // -> PLAY_TICK: {n, from: the selection stepped from (JSON), t}, or no_update while the last is unanswered
    tick: function (n, selection, last) {
      var from = JSON.stringify(selection || null), now = Date.now();
      if (!n || (last && last.from === from && now - last.t < WAIT_MS)) { return window.dash_clientside.no_update; }
      return {n: n, from: from, t: now};
    },
    label: function (disabled) { return disabled === false ? PAUSE : PLAY; }
  };
})();

/* "Download animation": when the server's film job is done (dashboard/film_jobs.py), the film-ready store gets its
   URL (/film/<job id>, served once by the app, then deleted) and its file name; this downloads it through a link,
   as the slide download does. A URL is fetched at most once: a poll answered twice must not ask for a film that
   is already gone.
   Registered as a clientside callback (window.dash_clientside.films.download): the page's Content-Security-Policy
   forbids inline scripts and eval. */
(function () {
  "use strict";

  var fetched = {};

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.films = {
    download: function (ready) {
      var noUpdate = window.dash_clientside.no_update;
      if (!ready || typeof ready.url !== "string" || fetched[ready.url]) { return noUpdate; }
      // only the app's own film route: the store is the page's, but a link is never followed elsewhere
      if (!/^\/([\w.-]+\/)*film\/[A-Za-z0-9_-]{22}$/.test(ready.url)) { return noUpdate; }
      fetched[ready.url] = true;
      var a = document.createElement("a");
      a.href = ready.url;
      a.download = typeof ready.filename === "string" ? ready.filename : "";
      a.style.display = "none";
      document.body.appendChild(a);
      a.click();
      a.remove();
      return { filename: ready.filename, url: ready.url };
    }
  };
})();

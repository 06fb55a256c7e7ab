/* Progressive enhancement only: every page works without JavaScript.
 * Loaded synchronously in <head> (it is tiny) so that the "no-js" fallback styles, which keep
 * the phone menu open when scripts cannot run, are gone before the first paint. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // Moving focus to <main> after the skip link, for browsers that do not do it themselves.
    var skip = document.querySelector(".skip-link");
    var main = document.getElementById("main");
    if (skip && main) {
      skip.addEventListener("click", function () {
        main.focus();
      });
    }
  });
})();

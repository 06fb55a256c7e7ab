/* The voter's code entry page. A slip's QR code opens /meetings/vote/<session>/#<code>: the
   code is the URL's fragment, which the browser never sends to the server, so no access log
   or proxy holds it beside an IP and a time. This script takes the code out of the address
   bar and the history, puts it into the form and posts it, as if the voter had typed it.
   Without JavaScript the voter types the code printed on the slip. */
(function () {
  "use strict";
  var fragment = window.location.hash.slice(1, 80);
  if (!fragment) { return; }
  // First of all, before the page can be bookmarked, shared or reloaded with it.
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  var code;
  try { code = decodeURIComponent(fragment); } catch (error) { code = fragment; }
  function submit() {
    var form = document.querySelector("form[data-ballot-entry]");
    var input = form && form.querySelector("input[name=code]");
    if (!input) { return; }
    input.value = code;
    form.submit();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", submit);
  } else {
    submit();
  }
})();

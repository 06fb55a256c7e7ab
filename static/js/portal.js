/* Progressive enhancement only: every page works without JavaScript.
 * Loaded synchronously in <head> (it is tiny) so that the "no-js" fallback styles, which keep
 * the phone menu open when scripts cannot run, are gone before the first paint, and so that the
 * 大字 (large text) choice applies before the first paint too: no jump from small to large. */
(function () {
  "use strict";
  var root = document.documentElement;
  var LARGE_TEXT_KEY = "portal-large-text";
  var LARGE_TEXT_CLASS = "portal-large-text";

  root.classList.remove("no-js");
  root.classList.add("js");

  function storedLargeText() {
    try {
      return window.localStorage.getItem(LARGE_TEXT_KEY) === "1";
    } catch (error) {
      return false; // storage refused (private mode, old browser): normal text
    }
  }

  function storeLargeText(on) {
    try {
      if (on) {
        window.localStorage.setItem(LARGE_TEXT_KEY, "1");
      } else {
        window.localStorage.removeItem(LARGE_TEXT_KEY);
      }
    } catch (error) {
      // The choice then lasts for this page only.
    }
  }

  if (storedLargeText()) {
    root.classList.add(LARGE_TEXT_CLASS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Moving focus to <main> after the skip link, for browsers that do not do it themselves.
    var skip = document.querySelector(".skip-link");
    var main = document.getElementById("main");
    if (skip && main) {
      skip.addEventListener("click", function () {
        main.focus();
      });
    }

    var buttons = document.querySelectorAll("[data-portal-textsize]");
    function showState() {
      var on = root.classList.contains(LARGE_TEXT_CLASS);
      for (var i = 0; i < buttons.length; i += 1) {
        buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      }
    }
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        var on = !root.classList.contains(LARGE_TEXT_CLASS);
        root.classList.toggle(LARGE_TEXT_CLASS, on);
        storeLargeText(on);
        showState();
      });
    }
    showState();

    // A table wider than a phone scrolls inside its .table-responsive box; keyboard users must
    // be able to reach that box to scroll it (WCAG 2.1.1), and hear what it holds.
    function markScrollableTables() {
      var boxes = document.querySelectorAll(".table-responsive");
      for (var n = 0; n < boxes.length; n += 1) {
        var box = boxes[n];
        var scrolls = box.scrollWidth > box.clientWidth + 1;
        if (scrolls && !box.hasAttribute("tabindex")) {
          var caption = box.querySelector("caption");
          var section = box.closest("[aria-labelledby]");
          var labelId = "";
          if (caption) {
            caption.id = caption.id || "portal-table-caption-" + n;
            labelId = caption.id;
          } else if (section) {
            labelId = section.getAttribute("aria-labelledby");
          }
          box.setAttribute("tabindex", "0");
          box.setAttribute("data-portal-scrollable", "");
          if (labelId) {
            box.setAttribute("role", "region");
            box.setAttribute("aria-labelledby", labelId);
          }
        } else if (!scrolls && box.hasAttribute("data-portal-scrollable")) {
          box.removeAttribute("tabindex");
          box.removeAttribute("data-portal-scrollable");
          box.removeAttribute("role");
          box.removeAttribute("aria-labelledby");
        }
      }
    }
    markScrollableTables();
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(markScrollableTables, 150);
    });
  });
})();

/* Similar suggestions while a title is typed (suggestions/includes/_similar.html).
 * Debounced GETs to the box's data-similar-url with the title, station and category; the
 * answer is a JSON list of open suggestions (nothing personal), shown as links: on the
 * resident's form to the suggestion's public page, where the resident can support it (附议)
 * instead of sending it again; on the staff forms to the desk. Every string shown comes
 * translated from the page or the answer; without JavaScript the box stays hidden. */
(function () {
  "use strict";

  var MIN_CHARS = 2;
  var DEBOUNCE_MS = 350;

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    node.textContent = value == null ? "" : String(value);
    return node;
  }

  function setUp(box) {
    var data = box.dataset;
    if (data.similarReady) {
      return;
    }
    data.similarReady = "1";
    var title = document.getElementById(data.titleField);
    var station = data.stationField ? document.getElementById(data.stationField) : null;
    var category = document.getElementById(data.categoryField);
    var list = box.querySelector(".portal-similar-list");
    if (!title || !list || !window.fetch) {
      return;
    }
    var timer = null;
    var lastUrl = "";
    var controller = null;

    function clear() {
      list.textContent = "";
      box.hidden = true;
    }

    function render(results) {
      list.textContent = "";
      results.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "portal-similar-item";
        li.appendChild(text("span", "portal-similar-title", item.title));
        var meta = [item.code, item.station, item.state, data.supporters.replace("{n}", item.supporters)];
        li.appendChild(text("span", "portal-meta portal-similar-meta", meta.filter(Boolean).join(" · ")));
        var link = text("a", "btn btn-outline-primary btn-sm portal-similar-action", data.action);
        link.href = item.url;
        if (data.newTab) {
          // Staff keep the form they are filling in.
          link.target = "_blank";
          link.rel = "noopener";
        }
        li.appendChild(link);
        list.appendChild(li);
      });
      box.hidden = results.length === 0;
    }

    function lookup() {
      var typed = title.value.trim();
      var chosen = station ? station.value : data.stationValue;
      if (typed.length < MIN_CHARS || !chosen) {
        lastUrl = "";
        clear();
        return;
      }
      var params = new URLSearchParams();
      params.set("title", typed.slice(0, 100));
      params.set("station", chosen);
      if (category && category.value) {
        params.set("category", category.value);
      }
      var url = data.similarUrl + "?" + params.toString();
      if (url === lastUrl) {
        return;
      }
      lastUrl = url;
      if (controller && controller.abort) {
        controller.abort();
      }
      controller = window.AbortController ? new window.AbortController() : null;
      window.fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (answer) {
        render(answer.results || []);
      }).catch(function () {
        // Aborted by a newer look-up, or offline: the form works without the list.
      });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, DEBOUNCE_MS);
    }

    title.addEventListener("input", schedule);
    [station, category].forEach(function (control) {
      if (control) {
        control.addEventListener("change", schedule);
      }
    });
    if (title.value.trim()) {
      schedule();
    }
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-similar-url]"), setUp);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpAll();
    // Rows added to a form later (another issue of a reception day's log) bring their own box.
    if (window.MutationObserver) {
      new window.MutationObserver(setUpAll).observe(document.body, { childList: true, subtree: true });
    }
  });
})();

/* Searching pickers (congress_portal/pickers.py). Every <select data-picker-url> holds only its
 * chosen option(s); this file turns it into a Tom Select box that searches the picker's
 * endpoint (/pick/<name>/?q=…) as the user types. Without JavaScript the select still posts what
 * it holds, and small scopes are rendered whole by the server and never come here.
 *
 * The select's data-picker-* attributes carry the endpoint, the fields whose values narrow the
 * search (data-picker-forward: {"parameter": "field name"}) and every string shown, already
 * translated by the server: nothing user-facing is written here. */
(function () {
  "use strict";

  var MIN_QUERY = 1; // Chinese names are one or two characters: one is a useful search.
  var DEBOUNCE_MS = 250;

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function message(className, text) {
    return '<div class="' + className + '" role="status">' + escapeHtml(text) + "</div>";
  }

  // The form controls whose values narrow the search. A form's prefix ("assign-") is the
  // select's own name up to its last dash: Django field names hold no dash.
  function forwardedFields(select) {
    var raw = select.getAttribute("data-picker-forward");
    if (!raw || !select.form) {
      return [];
    }
    var map;
    try {
      map = JSON.parse(raw);
    } catch (error) {
      return [];
    }
    var prefix = select.name.slice(0, select.name.lastIndexOf("-") + 1);
    return Object.keys(map).map(function (parameter) {
      return { parameter: parameter, control: select.form.elements[prefix + map[parameter]] };
    }).filter(function (item) {
      return item.control && typeof item.control.addEventListener === "function";
    });
  }

  function searchUrl(base, query, forwarded) {
    var params = new URLSearchParams();
    params.set("q", query);
    forwarded.forEach(function (item) {
      if (item.control.value) {
        params.set(item.parameter, item.control.value);
      }
    });
    return base + (base.indexOf("?") === -1 ? "?" : "&") + params.toString();
  }

  function setUp(select) {
    var data = select.dataset;
    var forwarded = forwardedFields(select);
    var preload = data.pickerPreload === "1";
    var state = { more: false, failed: false };
    var plugins = {};
    if (select.multiple) {
      plugins.remove_button = { title: data.pickerRemove };
    } else if (!select.required) {
      plugins.clear_button = { title: data.pickerClear };
    }

    // The empty choice says what nothing chosen means ("Any station"); the prompt to type
    // shows in the open box.
    var empty = select.querySelector('option[value=""]');
    var picker = new window.TomSelect(select, {
      plugins: plugins,
      placeholder: empty && empty.textContent.trim() ? empty.textContent.trim() : data.pickerPlaceholder,
      // The server searched (pinyin, initials, parent areas): show what it answered, in its
      // order, without filtering it again here.
      score: function () {
        return function () { return 1; };
      },
      searchField: [],
      hideSelected: true,
      maxOptions: null,
      loadThrottle: DEBOUNCE_MS,
      preload: preload ? "focus" : false,
      shouldLoad: function (query) {
        return preload || query.length >= MIN_QUERY;
      },
      load: function (query, callback) {
        var self = this;
        window.fetch(searchUrl(data.pickerUrl, query, forwarded), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        }).then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        }).then(function (answer) {
          state.more = Boolean(answer.more);
          state.failed = false;
          // Only this answer's rows (and what is chosen) stay: no stale matches of earlier
          // keystrokes, and the next keystroke asks again.
          self.clearOptions();
          callback((answer.results || []).map(function (row) {
            return { value: row.id, text: row.text };
          }));
        }).catch(function () {
          state.more = false;
          state.failed = true;
          self.clearOptions();
          callback();
        });
      },
      render: {
        no_results: function () {
          return message("no-results", state.failed ? data.pickerError : data.pickerNoResults);
        },
        not_loading: function () {
          return message("no-results", data.pickerPlaceholder);
        },
        loading: function () {
          return message("no-results", data.pickerLoading);
        }
      }
    });

    // "More results": the endpoint answers twenty at most.
    var footer = document.createElement("div");
    footer.className = "form-text px-2 py-1 border-top";
    footer.hidden = true;
    footer.textContent = data.pickerMore || "";
    picker.dropdown.appendChild(footer);
    picker.on("load", function () {
      footer.hidden = !state.more;
    });
    picker.on("type", function (query) {
      footer.hidden = true;
      if (!preload && query.length < MIN_QUERY) {
        picker.clearOptions();
        picker.refreshOptions(false);
      }
    });

    // The select stays in the page (it is what the form posts) but the box replaces it for
    // everyone: its <label> now names the box, and assistive technology should not meet a
    // second, unlabelled control.
    select.setAttribute("aria-hidden", "true");

    // Help text and errors Django tied to the select describe the box that replaces it.
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      var value = select.getAttribute(name);
      if (value && picker.control_input) {
        picker.control_input.setAttribute(name, value);
      }
    });

    // A new station changes which delegates or reception days fit: start again.
    forwarded.forEach(function (item) {
      item.control.addEventListener("change", function () {
        picker.clear();
        picker.clearOptions();
        picker.wrapper.classList.remove("preloaded");
      });
    });
  }

  function setUpAll() {
    if (typeof window.TomSelect !== "function" || !window.fetch || !window.URLSearchParams) {
      return; // the plain selects keep working
    }
    document.querySelectorAll("select[data-picker-url]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();

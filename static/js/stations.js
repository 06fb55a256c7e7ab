/* Stations pages: a print button on the bulletin, and "add another issue" on the log form.
   Everything works without this file: the print button stays hidden, the log form keeps its
   three empty rows. */
(function () {
  "use strict";

  function setUpPrint() {
    document.querySelectorAll("[data-stations-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setUpIssueRows() {
    var button = document.querySelector("[data-stations-add-issue]");
    var template = document.getElementById("stations-issue-template");
    var list = document.querySelector("[data-stations-issues]");
    var total = document.getElementById("id_issue-TOTAL_FORMS");
    var max = document.getElementById("id_issue-MAX_NUM_FORMS");
    if (!button || !template || !list || !total) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { button.disabled = true; return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      total.value = String(index + 1);
      var first = row.querySelector("select, input, textarea");
      if (first) { first.focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpPrint();
    setUpIssueRows();
  });
})();

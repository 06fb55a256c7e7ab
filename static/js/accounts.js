/* Accounts: a print button on the recovery codes page, and a confirmation before resetting
   someone's second factor (data-confirm). Pages work without this file. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-accounts-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("button[data-confirm]").forEach(function (button) {
      var form = button.form;
      if (!form) { return; }
      form.addEventListener("submit", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();

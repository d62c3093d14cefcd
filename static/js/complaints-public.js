// 我要举报, step 2 (progressive enhancement; the page works without it): the line "将交由 … 办理"
// follows the matter chosen, Enter in the search box searches instead of submitting the report, and
// a second click (a double click on 提交) sends nothing more while the first is on its way (the server
// also files a repeated post only once).
(function () {
  "use strict";
  function ready() {
    var names = document.querySelectorAll("#receiver-name, .receiver-name");
    document.querySelectorAll('input[type=radio][name=matter]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        var receiver = radio.getAttribute("data-receiver");
        if (!receiver) return;
        names.forEach(function (el) { el.textContent = receiver; });
      });
    });
    var q = document.getElementById("q");
    var search = document.querySelector('button[name=action][value=search]');
    if (q && search) {
      q.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          search.click();
        }
      });
    }
    var form = document.querySelector('main form[action$="/complaints/check"]');
    if (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent")) {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-sent", "1");
        // after this submission has taken the pressed button's value: disabled ones send none
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
      window.addEventListener("pageshow", function () {  // back to this page from the next one
        form.removeAttribute("data-sent");
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();

// 我要举报, step 2 (progressive enhancement; the page works without it): the line "将交由 … 办理"
// follows the matter chosen, and Enter in the search box searches instead of submitting the report.
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
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();

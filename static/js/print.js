// The 打印 button of the numbered table: shown only where scripts run (CSP: no inline script).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

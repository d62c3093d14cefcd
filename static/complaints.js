// 转办: choosing the department lists its matters at once (without script, the 列出该部门的事项 button does).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("transfer-form");
  if (!form) return;
  var department = form.querySelector("select[name='transfer-department']");
  var pick = form.querySelector("button[name='transfer-pick']");
  if (!department || !pick) return;
  pick.closest(".pick").style.display = "none";
  function listMatters() {
    if (department.value) { if (form.requestSubmit) { form.requestSubmit(pick); } else { pick.click(); } }
  }
  department.addEventListener("change", listMatters);
  // A department chosen before this script ran (a slow connection) had no listener: list its matters now.
  var served = department.querySelector("option[selected]");
  if (department.value !== (served ? served.value : "")) listMatters();
});

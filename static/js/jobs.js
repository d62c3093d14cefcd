// The 任务 page: ask the job's status once a second and update the progress bar in place until the
// job has finished. Without scripts the page reloads itself instead (<noscript> meta refresh).
(function () {
  "use strict";
  var card = document.querySelector("[data-job-status]");
  if (!card || !window.fetch) { return; }
  var url = card.getAttribute("data-job-status");
  var bar = card.querySelector("progress");
  var refresh = card.querySelector("[data-job-refresh]");
  if (refresh) { refresh.hidden = true; }

  function field(name) { return card.querySelector('[data-job-field="' + name + '"]'); }

  // 开始时间 and 结束时间 (outside the card), already in Beijing time as the page shows them.
  function time(name, value) {
    var dd = document.querySelector('dd[data-job-field="' + name + '"]');
    var dt = document.querySelector('dt[data-job-time="' + name + '"]');
    if (!dd || !dt) { return; }
    dd.textContent = value || "";
    dd.hidden = dt.hidden = !value;
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.className = "button primary";
    a.href = href;
    a.textContent = text;
    return a;
  }

  function show(s) {
    field("state_label").textContent = s.state_label;
    field("state_label").className = "tag job-" + s.state;
    field("message").textContent = s.message || "";
    bar.max = s.total || 1;
    bar.value = s.total ? s.progress : (s.finished ? 1 : 0);
    bar.textContent = s.percent + "%";
    field("counts").textContent = !s.total ? "" : (s.counts ? s.progress + " / " + s.total + "（" + s.percent + "%）" : s.percent + "%");
    var error = field("error");
    error.textContent = s.error || "";
    error.hidden = !s.error;
    var waiting = field("queue_unreachable");
    if (waiting) { waiting.hidden = !s.queue_unreachable; }
    time("started_at", s.started_at);
    time("finished_at", s.finished_at);
    if (s.finished) {
      var result = field("result");
      result.textContent = "";
      if (s.link) { result.appendChild(link(s.link.url, s.link.label)); }
      if (s.result_url) {
        result.appendChild(link(s.result_url, card.getAttribute("data-result-label") || "↓"));
        var name = document.createElement("span");
        name.className = "muted";
        name.textContent = " " + (s.result_name || "");
        result.appendChild(name);
      }
      result.hidden = !(s.link || s.result_url);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        show(s);
        if (!s.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        // The server is away for a moment (a restart): try again, less often; the 刷新 link is back.
        if (refresh) { refresh.hidden = false; }
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();

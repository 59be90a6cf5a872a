// Job page: live progress while the job is queued or running, cancel and retry, no reloads;
// a finished preview's rows imported for real (the page then shows the new job).
(function () {
  "use strict";
  var root = document.querySelector(".oms-job");
  if (!root) { return; }
  var J = window.OMSJobs;
  var errorBox = root.querySelector("[data-error]");
  var announce = root.querySelector("[data-announce]");
  var timer = null;
  var failures = 0;
  var sent = 0;
  var drawn = 0;

  function showError(text) { errorBox.textContent = text || ""; errorBox.hidden = !text; }

  function loadErrors(job) {
    var previewed = job.preview_rows && job.preview_rows.length;
    if (!(job.failed || previewed) || root.querySelector("[data-errors-loaded]")) { return; }
    fetch(root.dataset.errorsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (html) { root.querySelector("[data-errors]").innerHTML = html; } })
      .catch(function () { /* the error report link is there anyway */ });
  }

  function schedule(delay) {
    clearTimeout(timer);
    if (J.isActive(root.dataset.status)) { timer = setTimeout(poll, delay || (document.hidden ? 5000 : 1000)); }
  }

  // Answers can cross: only the answer to the latest request is drawn.
  function request(url, method) {
    var number = ++sent;
    return J.api(url, method).then(function (job) {
      if (number < drawn) { return; }
      drawn = number;
      var before = root.dataset.status;
      J.render(root, job, root.dataset.tz);
      if (before !== job.status) {
        announce.textContent = job.outcome_label + (job.status_note ? " — " + job.status_note : "");
        if (!J.isActive(job.status)) { loadErrors(job); }
      }
      failures = 0;
      showError("");
      schedule();
    });
  }

  function poll() {
    request(root.dataset.jobUrl).catch(function (error) {
      showError(error.message);
      // Offline or a server error: try again, slower each time. A refusal (4xx) is final.
      if (error.network || error.status >= 500) {
        failures += 1;
        schedule(Math.min(15000, 1000 * Math.pow(2, failures)));
      }
    });
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button || !button.dataset.url) { return; }
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) { return; }
    button.disabled = true;
    if (button.dataset.action === "commit") {
      var mode = new URLSearchParams({ mode: root.querySelector("[data-commit-mode]").value });
      J.api(button.dataset.url, "POST", mode)
        .then(function (job) { window.location.assign(job.page_url); })
        .catch(function (error) { showError(error.message); button.disabled = false; });
      return;
    }
    request(button.dataset.url, "POST")
      .catch(function (error) { showError(error.message); schedule(); })
      .then(function () { button.disabled = false; });
  });

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { schedule(10); } });
  schedule();
})();

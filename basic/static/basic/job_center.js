// Job center: filters apply on change; the rows follow their jobs while any is queued or running.
(function () {
  "use strict";
  var root = document.querySelector(".oms-center");
  if (!root) { return; }
  var J = window.OMSJobs;
  var errorBox = root.querySelector("[data-error]");
  var rows = {};
  var timer = null;
  var failures = 0;

  root.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  root.querySelectorAll("tr[data-job-id]").forEach(function (row) { rows[row.dataset.jobId] = row; });

  function activeIds() {
    return Object.keys(rows).filter(function (id) { return J.isActive(rows[id].dataset.status); });
  }

  function showError(text) { errorBox.textContent = text || ""; errorBox.hidden = !text; }

  function schedule(delay) {
    clearTimeout(timer);
    if (activeIds().length) { timer = setTimeout(poll, delay || (document.hidden ? 10000 : 2000)); }
  }

  // One request for the page; a job that left it (new jobs shift the page) is asked for alone.
  function poll() {
    J.api(root.dataset.apiUrl).then(function (page) {
      page.results.forEach(function (job) {
        if (rows[job.id]) { J.render(rows[job.id], job, root.dataset.tz); }
      });
      var listed = page.results.map(function (job) { return String(job.id); });
      return Promise.all(activeIds().filter(function (id) { return listed.indexOf(id) === -1; }).map(function (id) {
        return J.api(rows[id].dataset.jobUrl).then(function (job) { J.render(rows[id], job, root.dataset.tz); },
          function (error) { if (error.status === 404) { delete rows[id]; } else { throw error; } });
      }));
    }).then(function () {
      failures = 0;
      showError("");
      schedule();
    }, function (error) {
      showError(error.message);
      if (error.network || error.status >= 500) {
        failures += 1;
        schedule(Math.min(20000, 2000 * Math.pow(2, failures)));
      }
    });
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { schedule(10); } });
  schedule();
})();

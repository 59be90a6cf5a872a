// Every admin page: the header's count of the user's jobs in progress, kept current while
// there are any, and a notice (and the browser's notification, if allowed) when one ends.
// It asks the API only while a job is in progress, or when a job page says one started.
(function () {
  "use strict";
  var POLL_MS = 4000;
  var link = document.querySelector(".oms-jobs-link[data-count-url]");
  if (!link || !window.OMSJobs) { return; }
  var listUrl = link.dataset.countUrl;
  var active = null;  // job id → its API url, at the last look (null before the first)
  var timer = null;

  function drawCount(count) {
    var text = interpolate(ngettext("%s job in progress", "%s jobs in progress", count), [count]);
    var badge = link.querySelector("[data-jobs-count]");
    badge.textContent = count;
    badge.title = text;
    badge.hidden = !count;
    link.querySelector("[data-jobs-count-text]").textContent = count ? "(" + text + ")" : "";
  }

  function look() {
    timer = null;
    Promise.all([OMSJobs.api(listUrl + "?status=queued"), OMSJobs.api(listUrl + "?status=running")])
      .then(function (pages) {
        var now = {};
        pages.forEach(function (page) {
          page.results.forEach(function (job) { now[job.id] = job.url; });
        });
        if (active) {
          Object.keys(active).forEach(function (id) { if (!(id in now)) { ended(active[id]); } });
        }
        active = now;
        var count = pages[0].count + pages[1].count;
        drawCount(count);
        if (count) { schedule(POLL_MS); }
      }, function () { schedule(POLL_MS * 4); /* offline: the count stays as it was */ });
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(look, ms);
  }

  function ended(url) {
    OMSJobs.api(url).then(function (job) {
      if (OMSJobs.isActive(job.status)) { return; }  // only off the first page of the list
      if (document.querySelector("[data-job-url='" + job.url + "']")) { return; }  // on this page
      notify(job);
    }, function () { /* gone or unreachable: nothing to say */ });
  }

  function notices() {
    var box = document.querySelector(".oms-notices");
    if (!box) {
      box = document.createElement("div");
      box.className = "oms-notices";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    el.className = className;
    if (text) { el.textContent = text; }
    return el;
  }

  function notify(job) {
    var title = interpolate(gettext("%(what)s %(file)s: %(status)s"), {
      what: job.direction_label + " · " + job.kind_label,
      file: job.file_name || "#" + job.id,
      status: job.outcome_label,
    }, true);
    var item = element("div", "oms-notice oms-notice-" + job.outcome);
    item.dataset.jobId = job.id;
    item.appendChild(element("strong", "oms-notice-title", title));
    if (job.message) { item.appendChild(element("p", "oms-notice-message", job.message)); }
    var open = element("a", "oms-notice-link", gettext("Open the job"));
    open.href = job.page_url;
    item.appendChild(open);
    if ("Notification" in window && Notification.permission === "default") {
      var ask = element("button", "oms-notice-ask", gettext("Also tell me in a browser notification"));
      ask.type = "button";
      ask.addEventListener("click", function () { Notification.requestPermission(); ask.remove(); });
      item.appendChild(ask);
    }
    var close = element("button", "oms-notice-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", gettext("Dismiss"));
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(close);
    notices().appendChild(item);
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification(title, { body: job.message || "", tag: "oms-job-" + job.id });
    }
  }

  // A job page saw a job start or end: look again soon (and keep looking while any runs).
  window.OMSJobWatch = { refresh: function () { schedule(300); } };
  if (Number(link.querySelector("[data-jobs-count]").textContent) > 0) { schedule(300); }
})();

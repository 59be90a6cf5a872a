// Shared by the admin pages: the JSON API, number and time formats, drawing a job into the page.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-hans";
  var numbers;
  try { numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }); }
  catch (err) { numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }); }

  function isActive(status) { return status === "queued" || status === "running"; }

  function csrfToken() {
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function networkMessage() {
    return gettext("The server cannot be reached. Check your network connection.");
  }

  // The API's own sentence (already in the user's language), never a raw body.
  function errorMessage(status, body) {
    if (body && body.error && body.error.message) { return body.error.message; }
    return interpolate(gettext("The server answered with an error (HTTP %s). Try again in a moment."), [status]);
  }

  // Resolves with the JSON answer; rejects with an Error the user can read (.network when offline).
  function api(url, method, form) {
    var init = { method: method || "GET", credentials: "same-origin", headers: { Accept: "application/json" } };
    if (init.method !== "GET") { init.headers["X-CSRFToken"] = csrfToken(); }
    if (form) { init.body = form; }  // URLSearchParams: sent as a form, as Django reads POST
    return fetch(url, init).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body) { return body; }
        var error = new Error(errorMessage(response.status, body));
        error.status = response.status;
        throw error;
      });
    }, function () {
      var error = new Error(networkMessage());
      error.network = true;
      throw error;
    });
  }

  function number(value) { return value === null || value === undefined ? "" : numbers.format(value); }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return ""; }
    if (seconds < 60) { return interpolate(gettext("%(s)s s"), { s: seconds }, true); }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return interpolate(gettext("%(m)s min %(s)s s"), { m: minutes, s: seconds % 60 }, true); }
    return interpolate(gettext("%(h)s h %(m)s min"), { h: Math.floor(minutes / 60), m: minutes % 60 }, true);
  }

  // "2026-11-25 13:26:52" in the server's time zone, as the templates write it.
  function dateTime(iso, timeZone) {
    if (!iso) { return "—"; }
    var options = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                    minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    var parts = {};
    try { options.timeZone = timeZone || undefined; new Intl.DateTimeFormat("en-GB", options); }
    catch (err) { delete options.timeZone; }
    new Intl.DateTimeFormat("en-GB", options).formatToParts(new Date(iso)).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute + ":" + parts.second;
  }

  function bytes(size) {
    if (size < 1024 * 1024) { return interpolate(gettext("%s KB"), [Math.max(1, Math.round(size / 1024))]); }
    return interpolate(gettext("%s MB"), [(size / 1048576).toFixed(1)]);
  }

  function format(value, kind, timeZone) {
    if (kind === "number") { return number(value); }
    if (kind === "duration") { return duration(value); }
    if (kind === "datetime") { return dateTime(value, timeZone); }
    return value === null || value === undefined || value === "" ? "—" : String(value);
  }

  function drawProgress(bar, job) {
    var indeterminate = job.status === "running" && !job.total;
    bar.classList.toggle("is-indeterminate", indeterminate);
    if (indeterminate) { bar.removeAttribute("aria-valuenow"); }
    else { bar.setAttribute("aria-valuenow", job.progress); }
    bar.setAttribute("aria-valuetext", job.progress + "% — " + interpolate(
      gettext("%(processed)s of %(total)s rows"), { processed: number(job.processed), total: number(job.total) }, true));
    bar.querySelector(".oms-progress-fill").style.width = job.progress + "%";
  }

  // Everything marked data-field, data-when, data-link, data-action or data-badge under root.
  function render(root, job, timeZone) {
    if (isActive(root.dataset.status) !== isActive(job.status) && window.OMSJobWatch) {
      window.OMSJobWatch.refresh();  // the header's count (job_watch.js)
    }
    root.dataset.status = job.status;
    root.dataset.outcome = job.outcome;
    root.querySelectorAll("[data-field]").forEach(function (el) {
      el.textContent = format(job[el.dataset.field], el.dataset.format, timeZone);
    });
    root.querySelectorAll("[data-when]").forEach(function (el) { el.hidden = !job[el.dataset.when]; });
    root.querySelectorAll("[data-link]").forEach(function (el) {
      var url = job[el.dataset.link];
      if (url) { el.setAttribute("href", url); }
      el.hidden = !url;
    });
    root.querySelectorAll("[data-action]").forEach(function (el) {
      el.dataset.url = job[el.dataset.action + "_url"] || "";
    });
    root.querySelectorAll("[data-badge]").forEach(function (el) {
      el.className = "oms-badge oms-badge-" + job.outcome;
      el.textContent = job.outcome_label;
    });
    root.querySelectorAll("[role=progressbar]").forEach(function (bar) { drawProgress(bar, job); });
  }

  window.OMSJobs = { api: api, render: render, isActive: isActive, csrfToken: csrfToken, bytes: bytes,
                     errorMessage: errorMessage, networkMessage: networkMessage };
})();

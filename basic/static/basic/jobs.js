// Import form: check the file before sending, post to the API, go to the job page.
// Job page: poll the API while the job is queued or running.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (form) {
    var errorBox = document.getElementById("import-error");
    var showError = function (text) { errorBox.textContent = text; errorBox.hidden = false; };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      var file = form.querySelector("input[type=file]").files[0];
      if (!file) { return; }
      if (!/\.(xlsx|xls|csv)$/i.test(file.name)) { showError(gettext("Only .xls, .xlsx and .csv files can be imported.")); return; }
      if (file.size > Number(form.dataset.maxBytes)) { showError(gettext("The file is too large.")); return; }
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value } })
        .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
        .then(function (result) {
          if (result[0].status === 202) { window.location = "/jobs/" + result[1].id + "/"; }
          else { showError((result[1].error && result[1].error.message) || gettext("The upload failed.")); }
        })
        .catch(function () { showError(gettext("The upload failed.")); });
    });
  }

  var job = document.querySelector(".oms-job");
  if (job) {
    var active = function (status) { return status === "queued" || status === "running"; };
    var poll = function () {
      fetch(job.dataset.jobUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          job.querySelectorAll("[data-field]").forEach(function (el) { el.textContent = data[el.dataset.field]; });
          job.querySelectorAll("[data-link]").forEach(function (el) {
            var url = data[el.dataset.link];
            if (url) { el.href = url; el.hidden = false; }
          });
          var bar = job.querySelector(".oms-progress");
          bar.setAttribute("aria-valuenow", data.progress);
          bar.querySelector(".oms-progress-bar").style.width = data.progress + "%";
          if (active(data.status)) { setTimeout(poll, 1000); }
          else if (active(job.dataset.status)) { window.location.reload(); }
        });
    };
    if (active(job.dataset.status)) { setTimeout(poll, 500); }
  }
})();

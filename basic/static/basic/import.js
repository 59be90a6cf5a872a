// Import page: check the file before sending (type, size), drag and drop, upload with progress,
// then straight to the job page.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) { return; }
  var J = window.OMSJobs;
  var input = form.querySelector("input[type=file]");
  var drop = form.querySelector("[data-drop]");
  var fileName = form.querySelector("[data-file-name]");
  var errorBox = document.getElementById("import-error");
  var submit = form.querySelector("[data-submit]");
  var upload = form.querySelector("[data-upload]");
  var bar = upload.querySelector("[role=progressbar]");
  var maxBytes = Number(form.dataset.maxBytes);

  function showError(text) { errorBox.textContent = text || ""; errorBox.hidden = !text; }

  function problemWith(file) {
    if (!file) { return gettext("Choose a file to import."); }
    if (!/\.(xlsx|xls|csv)$/i.test(file.name)) { return gettext("Only Excel (.xls, .xlsx) and CSV files can be imported."); }
    if (!file.size) { return gettext("The file is empty."); }
    if (file.size > maxBytes) {
      return interpolate(gettext("The file is %(size)s; at most %(max)s can be imported."),
                         { size: J.bytes(file.size), max: J.bytes(maxBytes) }, true);
    }
    return "";
  }

  function chosen() {
    var file = input.files[0];
    var problem = file ? problemWith(file) : "";
    fileName.hidden = !file;
    fileName.textContent = file ? file.name + " · " + J.bytes(file.size) : "";
    drop.classList.toggle("is-invalid", Boolean(problem));
    drop.classList.toggle("has-file", Boolean(file) && !problem);
    showError(problem);
  }

  function failed(text) {
    showError(text);
    submit.disabled = false;
    upload.hidden = true;
  }

  function progress(percent) {
    bar.setAttribute("aria-valuenow", percent);
    bar.querySelector(".oms-progress-fill").style.width = percent + "%";
  }

  input.addEventListener("change", chosen);
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (event) { event.preventDefault(); drop.classList.add("is-over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("is-over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer.files.length) { input.files = event.dataTransfer.files; chosen(); }
  });
  // A file dropped beside the zone must not make the browser leave the page to open it.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (event) { event.preventDefault(); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problem = problemWith(input.files[0]);
    if (problem) { showError(problem); return; }
    showError("");
    submit.disabled = true;
    upload.hidden = false;
    progress(0);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", J.csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { progress(Math.round(e.loaded * 100 / e.total)); }
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (xhr.status === 202 && body && body.id) {
        window.location.assign(form.dataset.jobPage.replace("{id}", body.id));
      } else {
        failed(J.errorMessage(xhr.status, body));
      }
    });
    xhr.addEventListener("error", function () { failed(J.networkMessage()); });
    xhr.send(new FormData(form));
  });
})();

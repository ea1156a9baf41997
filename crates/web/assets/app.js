// Progress for large files: upload forms report bytes sent; long-running
// forms show a busy bar. Everything works without this script too.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var busy = form.getAttribute("data-busy");
  if (busy) {
    var bar = document.getElementById(busy);
    if (bar) { bar.hidden = false; }
    return;
  }
  var progressId = form.getAttribute("data-upload-progress");
  if (!progressId || !window.FormData || !window.XMLHttpRequest) { return; }
  event.preventDefault();
  var progress = document.getElementById(progressId);
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.upload.addEventListener("progress", function (e) {
    if (e.lengthComputable && progress) {
      progress.hidden = false;
      progress.value = Math.round((e.loaded / e.total) * 100);
    }
  });
  xhr.addEventListener("load", function () {
    if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== form.action) {
      window.location.assign(xhr.responseURL);
    } else {
      document.open();
      document.write(xhr.responseText);
      document.close();
    }
  });
  xhr.addEventListener("error", function () { form.submit(); });
  if (progress) { progress.hidden = false; progress.value = 0; }
  xhr.send(new FormData(form));
});

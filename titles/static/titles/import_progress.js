// Polls an Excel import job while it runs and reloads the page when it ends. A file, not an inline
// <script>: the Content-Security-Policy allows scripts from this site only.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.running !== "1") return;
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("job-status").textContent = s.status_display;
      var bar = document.getElementById("job-progress");
      if (s.total_rows) { bar.max = s.total_rows; bar.value = s.processed_rows; }
      document.getElementById("job-count").textContent = s.processed_rows + (s.total_rows ? "/" + s.total_rows : "");
      if (s.running) { setTimeout(poll, 2000); } else { window.location.reload(); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();

// Polls the plan's PDF status while it renders, then swaps in the download link. No framework.
(function () {
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var message = box.querySelector("[data-pdf-message]");
  var form = box.querySelector("[data-pdf-form]");
  function show(name) {
    var tpl = box.querySelector("[data-" + name + "-template]");
    if (tpl) message.replaceChildren(tpl.content.cloneNode(true));
  }
  function poll(delay) {
    window.setTimeout(function () {
      fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.ready) { show("ready"); if (form) form.hidden = true; return; }
          if (data.status === "failed") { show("failed"); if (form) form.hidden = false; return; }
          if (data.status === "queued" || data.status === "rendering") { show("busy"); poll(Math.min(delay * 1.5, 5000)); }
        })
        .catch(function () { poll(5000); });
    }, delay);
  }
  if (box.dataset.status === "queued" || box.dataset.status === "rendering") poll(1000);
})();

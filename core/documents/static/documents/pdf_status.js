// Polls a register document's PDF status while it renders, then swaps in the download link. No framework.
// The box carries data-status-url (the API's /documents/{id}/pdf/status/) and data-status.
(function () {
  var box = document.querySelector("[data-document-status-url]");
  if (!box) return;
  var message = box.querySelector("[data-pdf-message]");
  var forms = box.querySelectorAll("[data-pdf-form]");
  function show(name) {
    var tpl = box.querySelector("[data-" + name + "-template]");
    if (tpl) message.replaceChildren(tpl.content.cloneNode(true));
  }
  function showForms(visible) { forms.forEach(function (f) { f.hidden = !visible; }); }
  function poll(delay) {
    window.setTimeout(function () {
      fetch(box.dataset.documentStatusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.ready) { show("ready"); showForms(true); return; }
          if (data.status === "failed") { show("failed"); showForms(true); return; }
          if (data.status === "queued" || data.status === "rendering") { show("busy"); poll(Math.min(delay * 1.5, 5000)); }
        })
        .catch(function () { poll(5000); });
    }, delay);
  }
  if (box.dataset.status === "queued" || box.dataset.status === "rendering") poll(1000);
})();

// Autosave of the report form: saves a few seconds after the officer stops typing, carrying the
// version it read; a 409 means someone else saved meanwhile, and the officer is told to reload.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) return;
  const status = document.getElementById("autosave-status");
  const version = document.getElementById("id_version");
  let timer = null;
  let stopped = false;

  function save() {
    if (stopped) return;
    const data = new FormData(form);
    data.delete("action");
    fetch(form.dataset.autosaveUrl, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) { return response.json().then(function (body) { return [response.status, body]; }); })
      .then(function ([code, body]) {
        if (code === 200) {
          version.value = body.version;
          status.textContent = gettext("Đã tự động lưu lúc ") + body.saved_at;
        } else {
          status.textContent = body.detail || gettext("Không lưu được.");
          if (code === 409) stopped = true;
        }
      })
      .catch(function () { status.textContent = gettext("Mất kết nối: chưa lưu được."); });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    status.textContent = gettext("Đang soạn…");
    timer = setTimeout(save, 2000);
  });
  form.addEventListener("submit", function () { clearTimeout(timer); stopped = true; });
})();

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

  // The rate column follows the figures as they are typed, also on the page of a refused save (which shows
  // the typed figures): recognised ÷ total, rounded half up to two decimals as the server does, in the
  // page's number format (70,00% in Vietnamese).
  const rateFormat = new Intl.NumberFormat(document.documentElement.lang || "vi",
    { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function whole(input) {
    const value = input ? input.value.trim() : "";
    return /^[0-9]+$/.test(value) ? parseInt(value, 10) : null;
  }

  function updateRate(row) {
    const id = row.dataset.indicator;
    const cell = document.getElementById("rate-" + id);
    if (!cell) return;
    const n = whole(document.getElementById("fig-" + id + "-numerator"));
    const d = whole(document.getElementById("fig-" + id + "-denominator"));
    if (n === null || d === null || d === 0 || n > d) {
      cell.textContent = "—";
      return;
    }
    const hundredths = Math.floor((2 * n * 10000 + d) / (2 * d));  // integers: no binary rounding surprises
    cell.textContent = rateFormat.format(hundredths / 100) + "%";
  }

  // The registry hint beside a figure shows only where it helps: hidden while the typed number is the
  // registry's, otherwise with the difference (typed − registry).
  function updateHints(row) {
    row.querySelectorAll(".hint[data-registry]").forEach(function (hint) {
      const typed = whole(hint.closest("td").querySelector("input"));
      const registry = parseInt(hint.dataset.registry, 10);
      hint.hidden = typed === registry;
      const diff = hint.querySelector(".diff");
      if (diff) {
        diff.textContent = (typed === null || typed === registry) ? ""
          : " · " + interpolate(gettext("chênh lệch %s"), [typed - registry]);
      }
    });
  }

  form.querySelectorAll("tr[data-indicator]").forEach(function (row) {
    row.addEventListener("input", function () { updateRate(row); updateHints(row); });
    updateRate(row);
  });

  // A breakdown's total (sex, ethnic group…) follows its boxes as they are typed: the sum of the options, the
  // only total there is (the server stores the options, never a separate total).
  const totalFormat = new Intl.NumberFormat(document.documentElement.lang || "vi", { maximumFractionDigits: 4 });

  function updateTotal(group) {
    const output = group.querySelector("output");
    if (!output) return;
    let sum = 0;
    let typed = false;
    let bad = false;
    group.querySelectorAll("input[type=number]").forEach(function (input) {
      const value = input.value.trim();
      if (value === "") return;
      const number = Number(value);
      if (!Number.isFinite(number) || number < 0) { bad = true; return; }
      sum += number;
      typed = true;
    });
    output.textContent = bad || !typed ? "—" : totalFormat.format(sum);
  }

  form.querySelectorAll("[data-breakdown]").forEach(function (group) {
    group.addEventListener("input", function () { updateTotal(group); });
    updateTotal(group);
  });

  form.addEventListener("input", function () {
    clearTimeout(timer);
    status.textContent = gettext("Đang soạn…");
    timer = setTimeout(save, 2000);
  });
  form.addEventListener("submit", function () { clearTimeout(timer); stopped = true; });
})();

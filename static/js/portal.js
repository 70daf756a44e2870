// Behaviour every page shares, in a file rather than inline handlers: the Content-Security-Policy forbids
// inline script (docs/adr/0012). A <select data-autosubmit> submits its form when it changes (language switch).
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();

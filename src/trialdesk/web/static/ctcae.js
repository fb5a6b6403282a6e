// TrialDesk: the CTCAE picker, optional. Without it the search is an ordinary GET form.
// With it, results follow the typing (from /staff/ctcae/terms, same origin, same session);
// choosing a term is still a plain link that reloads the page with its grade definitions.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-ctcae-search]");
  var box = document.getElementById("ctcae-results");
  if (!form || !box || !window.fetch) { return; }
  var input = form.querySelector("input[name=q]");
  var timer = null;
  var latest = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var asked = ++latest;
      var url = form.getAttribute("data-ctcae-search") + "&q=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.text() : "";
      }).then(function (html) {
        if (asked === latest) { box.innerHTML = html; }  // our own escaped server fragment
      });
    }, 200);
  });
});

// TrialDesk: the only script, and optional; every page works without it.
// It moves focus to the first error or result so keyboard and screen-reader users land there.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector(".error-summary, .outcome");
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});

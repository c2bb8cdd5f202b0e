(function () {
  "use strict";
  var cases = Array.prototype.slice.call(document.querySelectorAll("section.case"));
  var family = document.getElementById("family");
  var shown = document.getElementById("shown");
  function outcome() {
    var checked = document.querySelector("input[name=outcome]:checked");
    return checked ? checked.value : "all";
  }
  function apply() {
    var wanted = outcome();
    var count = 0;
    cases.forEach(function (section) {
      var visible = (wanted === "all" || section.dataset.outcome === wanted) &&
        (family.value === "" || section.dataset.family === family.value);
      section.hidden = !visible;
      if (visible) {
        count += 1;
      }
    });
    shown.textContent = "showing " + count + " of " + cases.length + " cases";
  }
  document.querySelectorAll("input[name=outcome]").forEach(function (input) {
    input.addEventListener("change", apply);
  });
  family.addEventListener("change", apply);
  document.querySelectorAll("button[data-family]").forEach(function (button) {
    button.addEventListener("click", function () {
      family.value = button.dataset.family;
      apply();
    });
  });
  apply();
  document.body.dataset.ok = "true";
})();

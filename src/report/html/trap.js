(function () {
  "use strict";
  var root = document.documentElement;
  var errors = [];
  function note(text) {
    errors.push(String(text));
    root.setAttribute("data-errors", JSON.stringify(errors));
  }
  window.addEventListener("error", function (event) {
    note("error: " + (event.message || event.type));
  });
  window.addEventListener("unhandledrejection", function (event) {
    note("unhandled rejection: " + event.reason);
  });
  document.addEventListener("securitypolicyviolation", function (event) {
    note("blocked by the page's policy: " + event.violatedDirective + " " + event.blockedURI);
  });
  var original = console.error;
  console.error = function () {
    note("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();

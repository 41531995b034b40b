// Conditional fields: a field wrapper with data-visible-when-field shows only
// while that field has the value in data-visible-when-value. The server applies
// the same rule, so this is only about what the user sees.
(function () {
  "use strict";
  function valuesOf(form, name) {
    var values = [];
    form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      values.push(input.value);
    });
    return values;
  }
  function update(form) {
    form.querySelectorAll("[data-visible-when-field]").forEach(function (wrapper) {
      var shown = valuesOf(form, wrapper.dataset.visibleWhenField).indexOf(wrapper.dataset.visibleWhenValue) !== -1;
      wrapper.hidden = !shown;
    });
  }
  document.querySelectorAll("form[data-conditional]").forEach(function (form) {
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
}());

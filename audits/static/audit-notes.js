// Keeps what an auditor types in a checklist note until the server has it.
// Every keystroke goes to localStorage under the item's key; a page that
// comes back with the same text (saved) forgets the draft, one that comes
// back without it (the save never arrived) puts the draft back and says so.
(function () {
  "use strict";
  var PREFIX = "dealerqms-note:";
  var storage;
  try {
    storage = window.localStorage;
    storage.setItem(PREFIX + "probe", "1");
    storage.removeItem(PREFIX + "probe");
  } catch (error) {
    return; // private mode or storage disabled: the server-side form still works
  }
  document.querySelectorAll("textarea[data-draft-key]").forEach(function (area) {
    var key = PREFIX + area.getAttribute("data-draft-key");
    var draft = storage.getItem(key);
    if (draft !== null) {
      if (draft.replace(/\r\n/g, "\n").trim() === area.value.replace(/\r\n/g, "\n").trim()) {
        storage.removeItem(key);
      } else {
        area.value = draft;
        var notice = area.parentElement.querySelector(".draft-notice");
        if (notice) notice.hidden = false;
      }
    }
    area.addEventListener("input", function () {
      storage.setItem(key, area.value);
    });
  });
})();

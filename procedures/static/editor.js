// The procedure editor: EasyMDE over the body's textarea, with a side-by-side
// preview rendered by the server (procedures/markdown.py), so the preview is the
// controlled copy's own rendering and sanitising. Without this script the page is
// a plain textarea with a "Preview" button, and still works.
(function () {
  "use strict";

  var textarea = document.querySelector("textarea[data-preview-url]");
  if (!textarea || typeof window.EasyMDE !== "function") {
    return;
  }
  var labels = JSON.parse(textarea.getAttribute("data-editor-labels") || "{}");
  var previewUrl = textarea.getAttribute("data-preview-url");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var EasyMDE = window.EasyMDE;

  function button(name, action, text, title) {
    return { name: name, action: action, text: text, title: title, attributes: { "data-tool": name } };
  }

  // Rendering is asynchronous: previewRender gives back null (EasyMDE then leaves the
  // preview as it is) and fills the preview when the server answers. Only the latest
  // request's answer is shown, and typing is debounced.
  var timer = null;
  var sequence = 0;
  function renderPreview(text, preview) {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var mine = ++sequence;
      preview.setAttribute("aria-busy", "true");
      fetch(previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, Accept: "application/json" },
        body: JSON.stringify({ body: text }),
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          if (mine === sequence) {
            // Sanitised by the server with the controlled copy's allowlist.
            preview.innerHTML = data.html;
            preview.removeAttribute("aria-busy");
          }
        })
        .catch(function () {
          if (mine === sequence) {
            preview.textContent = labels.previewFailed || "The preview could not be rendered.";
            preview.removeAttribute("aria-busy");
          }
        });
    }, 300);
    return null;
  }

  var editor = new EasyMDE({
    element: textarea,
    autoDownloadFontAwesome: false, // icons are text; nothing is fetched from a CDN
    spellChecker: false, // its dictionaries come from a CDN
    nativeSpellcheck: true,
    forceSync: true,
    status: false,
    autofocus: false,
    sideBySideFullscreen: false,
    minHeight: "22rem",
    previewClass: ["editor-preview", "document"],
    previewRender: renderPreview,
    promptURLs: false,
    insertTexts: {
      table: [
        "",
        "\n\n| " + labels.column + " 1 | " + labels.column + " 2 |\n| --- | --- |\n| " +
          labels.text + " | " + labels.text + " |\n\n",
      ],
      link: ["[", "](https://)"],
      horizontalRule: ["", "\n\n---\n\n"],
    },
    toolbar: [
      // "H": EasyMDE's stylesheet adds the level as a subscript.
      button("heading-1", EasyMDE.toggleHeading1, "H", labels.heading1),
      button("heading-2", EasyMDE.toggleHeading2, "H", labels.heading2),
      button("heading-3", EasyMDE.toggleHeading3, "H", labels.heading3),
      "|",
      button("bold", EasyMDE.toggleBold, "B", labels.bold),
      button("italic", EasyMDE.toggleItalic, "I", labels.italic),
      "|",
      button("unordered-list", EasyMDE.toggleUnorderedList, "•", labels.bulletList),
      button("ordered-list", EasyMDE.toggleOrderedList, "1.", labels.numberedList),
      button("quote", EasyMDE.toggleBlockquote, "❝", labels.quote),
      button("table", EasyMDE.drawTable, "▦", labels.table),
      button("link", EasyMDE.drawLink, labels.linkShort, labels.link),
      button("horizontal-rule", EasyMDE.drawHorizontalRule, "—", labels.rule),
      "|",
      button("undo", EasyMDE.undo, "↶", labels.undo),
      button("redo", EasyMDE.redo, "↷", labels.redo),
      "|",
      Object.assign(button("side-by-side", EasyMDE.toggleSideBySide, labels.sideBySide, labels.sideBySide), {
        noDisable: true,
        noMobile: true,
      }),
      Object.assign(button("preview", EasyMDE.togglePreview, labels.preview, labels.preview), { noDisable: true }),
    ],
  });

  // The hidden textarea keeps its label; the editing surface gets the same name.
  var label = document.querySelector('label[for="' + textarea.id + '"]');
  if (label) {
    editor.codemirror.getInputField().setAttribute("aria-label", label.textContent.trim());
  }
  // EasyMDE takes its buttons out of the tab order (they have shortcuts); every action
  // is to be reachable by keyboard, so they are put back, in one named toolbar.
  var toolbar = editor.toolbar_div;
  if (toolbar) {
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", labels.toolbar || "Formatting");
    toolbar.querySelectorAll("button").forEach(function (element) {
      element.tabIndex = 0;
    });
  }
  // The server-side preview button is for pages without this script.
  document.querySelectorAll("[data-without-editor]").forEach(function (element) {
    element.hidden = true;
  });
  // Side by side where there is room for two columns (a tablet upright has it).
  if (window.matchMedia("(min-width: 700px)").matches) {
    editor.toggleSideBySide();
  }
})();

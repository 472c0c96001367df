// The query page: YASGUI over the plain form (which keeps working without JavaScript).
// Only our own /sparql is queried; the autocompleters that call other hosts (LOV) are off.
(function () {
  "use strict";
  var textarea = document.getElementById("query");
  var form = document.getElementById("query-form");
  var holder = document.getElementById("yasgui");
  var yasqe = null;

  function load(text) {
    if (yasqe) {
      yasqe.setValue(text);
      yasqe.focus();
    } else {
      textarea.value = text;
      textarea.focus();
    }
    (holder.hidden ? form : holder).scrollIntoView();
  }

  if (window.Yasgui && holder) {
    // Shown before YASGUI is built: CodeMirror cannot lay out an editor inside a hidden element.
    holder.hidden = false;
    form.hidden = true;
    var endpoint = window.location.origin + "/sparql";
    window.Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
    var yasgui = new window.Yasgui(holder, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistenceId: null,
      populateFromUrl: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      yasqe: { autocompleters: ["prefixes", "variables"] },
    });
    yasqe = yasgui.getTab().getYasqe();
    if (textarea.value.trim()) {
      yasqe.setValue(textarea.value);
    }
    var marked = document.getElementById("error-line");
    if (marked) {
      var line = Array.prototype.indexOf.call(marked.parentNode.children, marked);
      yasqe.addLineClass(line, "background", "error-line");
      yasqe.setCursor({ line: line, ch: 0 });
    }
    yasqe.refresh();
    // Names for the two fields YASGUI leaves unlabelled (axe-core: "Form elements must have labels").
    yasqe.getInputField().setAttribute("aria-label", textarea.labels[0] ? textarea.labels[0].textContent : "SPARQL");
    holder.querySelectorAll("input.autocomplete").forEach(function (input) {
      input.setAttribute("aria-label", "Endpoint");
    });
    window.refmetiersYasgui = yasgui;
  }

  document.querySelectorAll("button.load").forEach(function (button) {
    button.addEventListener("click", function () {
      load(document.getElementById("q-" + button.dataset.name).content.textContent);
    });
  });
})();

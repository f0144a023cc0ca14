/* Tierdesk's keyboard shortcuts and small page helpers. No inline handlers: the CSP forbids
   them; everything is wired here from data attributes. */
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function shortcutsDialog() {
    return document.getElementById("shortcuts");
  }

  function openShortcuts() {
    var dialog = shortcutsDialog();
    if (dialog && !dialog.open) dialog.showModal();
  }

  function firstField(container) {
    return container.querySelector("input:not([type=hidden]), textarea, select, button");
  }

  /* Queue rows: j/k move the selection, Enter or o opens the ticket. */
  var selectedId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-ticket]"));
  }

  function select(row) {
    rows().forEach(function (r) {
      r.classList.remove("is-selected");
      r.removeAttribute("aria-selected");
    });
    if (!row) return;
    row.classList.add("is-selected");
    row.setAttribute("aria-selected", "true");
    selectedId = row.getAttribute("data-ticket");
    var link = row.querySelector("a");
    if (link) link.focus({ preventScroll: false });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.findIndex(function (r) { return r.getAttribute("data-ticket") === selectedId; });
    index = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    select(all[index]);
  }

  function activate(element) {
    if (element.tagName === "DETAILS") {
      element.open = true;
      var field = firstField(element.querySelector(".action-body") || element);
      if (field) field.focus();
      element.scrollIntoView({ block: "nearest" });
    } else if (element.type === "radio") {
      element.click();
      var body = document.querySelector("[data-composer-body] textarea, textarea[data-composer-body]");
      if (body) body.focus();
    } else if (element.tagName === "INPUT" || element.tagName === "TEXTAREA") {
      element.focus();
    } else {
      element.click();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      openShortcuts();
      return;
    }
    if (event.key === "/") {
      var search = document.querySelector("[data-key='/']");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (event.key === "j" && rows().length) { event.preventDefault(); move(1); return; }
    if (event.key === "k" && rows().length) { event.preventDefault(); move(-1); return; }
    if ((event.key === "Enter" || event.key === "o") && selectedId) {
      var row = document.querySelector("tr[data-ticket='" + selectedId + "'] a");
      if (row) { event.preventDefault(); row.click(); }
      return;
    }
    if (event.key === "r" || event.key === "n") {
      var kind = document.querySelector(
        "#composer input[name=kind][value=" + (event.key === "r" ? "reply" : "note") + "]"
      );
      if (kind) { event.preventDefault(); activate(kind); return; }
    }
    var target = document.querySelector("[data-key='" + CSS.escape(event.key) + "']");
    if (target) {
      event.preventDefault();
      activate(target);
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-shortcuts-open]");
    if (opener) openShortcuts();
  });

  /* The queue refreshes itself: keep the agent's selected row across the swap. An action form
     loaded into an opened panel takes the focus. */
  document.addEventListener("htmx:afterSwap", function (event) {
    var body = event.detail && event.detail.target;
    if (body && body.classList && body.classList.contains("action-body")) {
      var field = firstField(body);
      if (field) field.focus();
    }
    if (!selectedId) return;
    var row = document.querySelector("tr[data-ticket='" + selectedId + "']");
    if (row) {
      row.classList.add("is-selected");
      row.setAttribute("aria-selected", "true");
    }
  });
})();

/* The desk's queue selection (bulk actions) and the ticket page's presence report. Wired from
   data attributes and ids; no inline handlers (the CSP forbids them). */
(function () {
  "use strict";
  if (window.tierdeskFind) return;
  window.tierdeskFind = true;

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function rowBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[name=ticket][form=bulk]"));
  }

  /* Select every row of the page at once. */
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-select-all]")) {
      var on = event.target.checked;
      rowBoxes().forEach(function (box) { box.checked = on; });
    }
  });

  /* x: tick or untick the row chosen with j/k. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "x" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var box = document.querySelector("tr.is-selected input[name=ticket][form=bulk]");
    if (box) { event.preventDefault(); box.checked = !box.checked; }
  });

  /* The queue refreshes itself every 20 s; not while rows are ticked (the refresh would drop
     the selection the agent is about to act on). */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (source && source.id === "queue-rows" && rowBoxes().some(function (box) { return box.checked; })) {
      event.preventDefault();
    }
  });

  /* Presence: "writing" while the composer holds text typed in the last 30 s, else "viewing";
     a change is reported at once (the page also reports every 10 s). */
  var idleTimer = null;
  function setActivity(value) {
    var field = document.querySelector("[data-presence-activity]");
    var form = document.getElementById("presence");
    if (!field || !form || field.value === value) return;
    field.value = value;
    if (window.htmx) window.htmx.trigger(form, "td-activity");
  }
  document.addEventListener("input", function (event) {
    var composer = event.target.closest && event.target.closest("#composer");
    if (!composer || event.target.tagName !== "TEXTAREA") return;
    var writing = event.target.value.trim() !== "";
    setActivity(writing ? "writing" : "viewing");
    if (idleTimer) clearTimeout(idleTimer);
    if (writing) idleTimer = setTimeout(function () { setActivity("viewing"); }, 30000);
  });
})();

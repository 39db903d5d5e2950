/* Deskpact agent console: keyboard shortcuts and row selection. No dependencies.
   Keys are ignored while typing in a field or with Ctrl/Alt/Meta held. */
(function () {
  "use strict";

  var KEYS = [
    ["j / k", "next / previous ticket in a list"],
    ["Enter", "open the highlighted ticket"],
    ["x", "select the highlighted ticket"],
    ["/", "search"],
    ["r", "write a public reply"],
    ["n", "write an internal note"],
    ["a", "assign the ticket to me"],
    ["c", "new ticket"],
    ["?", "show or hide these keys"],
  ];

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "input") {
      var type = (target.getAttribute("type") || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) < 0;
    }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }

  function currentIndex(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("is-current")) return i;
    }
    return -1;
  }

  function moveTo(list, index) {
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("is-current"); });
    var row = list[index];
    row.classList.add("is-current");
    var link = row.querySelector("[data-row-link]");
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function focusShortcut(key) {
    var el = document.querySelector('[data-shortcut="' + key + '"]');
    if (!el) return false;
    if (el.tagName.toLowerCase() === "button") {
      if (!el.disabled) el.click();
    } else {
      el.focus();
    }
    return true;
  }

  function toggleHelp() {
    var box = document.getElementById("shortcut-help");
    if (box) { box.remove(); return; }
    box = document.createElement("div");
    box.id = "shortcut-help";
    box.className = "shortcut-help card";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Keyboard shortcuts");
    var list = document.createElement("dl");
    KEYS.forEach(function (pair) {
      var dt = document.createElement("dt");
      var kbd = document.createElement("kbd");
      kbd.textContent = pair[0];
      dt.appendChild(kbd);
      var dd = document.createElement("dd");
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var list;
    switch (event.key) {
      case "j":
      case "k":
        list = rows();
        if (!list.length) return;
        var at = currentIndex(list);
        moveTo(list, at < 0 ? 0 : at + (event.key === "j" ? 1 : -1));
        break;
      case "x":
        list = rows();
        var row = list[currentIndex(list)];
        var box = row && row.querySelector('input[type="checkbox"]');
        if (!box) return;
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        break;
      case "/":
        var search = document.getElementById("id_q");
        if (!search) return;
        search.focus();
        break;
      case "r":
      case "n":
      case "a":
        if (!focusShortcut(event.key)) return;
        break;
      case "c":
        var create = document.querySelector('[data-testid="new-ticket"]');
        if (!create) return;
        create.click();
        break;
      case "?":
        toggleHelp();
        break;
      case "Escape":
        var help = document.getElementById("shortcut-help");
        if (!help) return;
        help.remove();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  function countSelected(form) {
    var label = form.querySelector("[data-selected-count]");
    if (!label) return;
    var n = form.querySelectorAll('input[name="ticket"]:checked').length;
    label.textContent = n ? n + " selected" : "";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target && target.form;
    if (!form) return;
    if (target.hasAttribute("data-select-all")) {
      form.querySelectorAll('input[name="ticket"]').forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.name === "ticket" || target.hasAttribute("data-select-all")) countSelected(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
})();

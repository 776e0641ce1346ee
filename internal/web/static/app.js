// Gatehouse web admin: a little progressive enhancement. Pages work as
// plain forms; this adds the list builder's search and moves, the
// permission tree's check-all boxes, and the access-type switch.
"use strict";

(function () {
  // Names always go in as text (textContent, new Option), never as HTML.
  function byName(a, b) {
    return a.text.localeCompare(b.text, undefined, { sensitivity: "base" });
  }

  function listBuilder(root) {
    var search = root.querySelector("#lb-search");
    var available = root.querySelector("#lb-available");
    var accessible = root.querySelector("#lb-accessible");
    var ids = root.querySelector("#lb-ids");
    var more = root.querySelector("#lb-more");
    var status = root.querySelector("#lb-status");
    var count = root.querySelector("#lb-count");
    var cursor = "";
    var query = "";
    var seq = 0;
    var timer = null;

    function inAccessible(id) {
      return accessible.querySelector('option[value="' + CSS.escape(id) + '"]') !== null;
    }

    function sync() {
      while (ids.firstChild) ids.removeChild(ids.firstChild);
      Array.prototype.forEach.call(accessible.options, function (o) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "customer_id";
        input.value = o.value;
        ids.appendChild(input);
      });
      count.textContent = String(accessible.options.length);
    }

    function announce(msg) {
      status.textContent = msg;
    }

    function load(append) {
      var mine = ++seq;
      var url = "/customers/search?q=" + encodeURIComponent(query) + (append && cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error("search failed: " + r.status);
          return r.json();
        })
        .then(function (data) {
          if (mine !== seq) return; // a newer search is on its way
          if (!append) available.options.length = 0;
          data.items.forEach(function (c) {
            if (!inAccessible(c.id)) available.add(new Option(c.name, c.id));
          });
          cursor = data.next_cursor || "";
          more.hidden = !cursor;
          available.setAttribute("aria-busy", "false");
          announce(available.options.length + " customers found" + (cursor ? ", more available" : ""));
        })
        .catch(function () {
          announce("The search failed; try again.");
        });
    }

    function move(from, to, verb) {
      var picked = Array.prototype.filter.call(from.options, function (o) { return o.selected; });
      if (picked.length === 0) {
        announce("Select one or more customers first.");
        return;
      }
      picked.forEach(function (o) {
        o.selected = false;
        to.add(o);
      });
      var sorted = Array.prototype.slice.call(to.options).sort(byName);
      sorted.forEach(function (o) { to.add(o); });
      sync();
      announce(picked.length + (picked.length === 1 ? " customer " : " customers ") + verb);
    }

    function add() { move(available, accessible, "added"); }
    function remove() { move(accessible, available, "removed"); }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        query = search.value.trim();
        cursor = "";
        available.setAttribute("aria-busy", "true");
        load(false);
      }, 200);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { // search now; never submit the group form from here
        e.preventDefault();
        clearTimeout(timer);
        query = search.value.trim();
        cursor = "";
        load(false);
      } else if (e.key === "ArrowDown" && available.options.length) {
        e.preventDefault(); // into the list, on its first customer
        available.focus();
        if (available.selectedIndex < 0) available.options[0].selected = true;
      }
    });
    more.addEventListener("click", function () { if (cursor) load(true); });
    root.querySelector("#lb-add").addEventListener("click", add);
    root.querySelector("#lb-remove").addEventListener("click", remove);
    available.addEventListener("dblclick", add);
    accessible.addEventListener("dblclick", remove);
    available.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); add(); }
    });
    accessible.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); remove(); }
    });
    // A listbox submits its form on an Enter keypress; Enter here moves
    // customers instead.
    [search, available, accessible].forEach(function (el) {
      el.addEventListener("keypress", function (e) {
        if (e.key === "Enter") e.preventDefault();
      });
    });
    if (!search.disabled) load(false);
  }

  function permTree(root) {
    var all = root.querySelector("[data-check-all]");
    function boxes(scope) {
      return Array.prototype.slice.call(scope.querySelectorAll('input[name="permission"]'));
    }
    function enabled(scope) {
      return boxes(scope).filter(function (b) { return !b.disabled; });
    }
    function mark(toggle, list) {
      var on = list.filter(function (b) { return b.checked; }).length;
      toggle.checked = list.length > 0 && on === list.length;
      toggle.indeterminate = on > 0 && on < list.length;
    }
    function refresh() {
      Array.prototype.forEach.call(root.querySelectorAll("[data-category]"), function (cat) {
        var toggle = cat.querySelector("[data-cat-toggle]");
        var list = enabled(cat);
        mark(toggle, list);
        toggle.disabled = list.length === 0; // nothing it could check
      });
      mark(all, enabled(root));
    }
    all.addEventListener("change", function () {
      enabled(root).forEach(function (b) { b.checked = all.checked; });
      refresh();
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-category]"), function (cat) {
      var toggle = cat.querySelector("[data-cat-toggle]");
      toggle.addEventListener("change", function () {
        enabled(cat).forEach(function (b) { b.checked = toggle.checked; });
        refresh();
      });
    });
    root.addEventListener("change", function (e) {
      if (e.target.name === "permission") refresh();
    });
    refresh();
    return refresh;
  }

  function groupEditor(form) {
    var builder = form.querySelector("[data-list-builder]");
    var tree = form.querySelector("[data-perm-tree]");
    var reason = form.querySelector("#account-wide-reason");
    var refresh = tree ? permTree(tree) : function () {};
    if (builder) listBuilder(builder);
    var editable = !form.querySelector("fieldset.plain[disabled]");

    function apply() {
      var select = form.querySelector("#access-select").checked;
      if (builder) {
        builder.hidden = !select;
        builder.disabled = !select;
      }
      if (reason) reason.hidden = !select;
      if (editable) {
        Array.prototype.forEach.call(form.querySelectorAll("[data-account-wide]"), function (b) {
          if (select) b.checked = false;
          b.disabled = select;
        });
      }
      refresh();
    }
    Array.prototype.forEach.call(form.querySelectorAll('input[name="access_type"]'), function (r) {
      r.addEventListener("change", apply);
    });
    apply();
  }

  // Line items: the form comes with a few blank rows; this adds more.
  function lineItems(button) {
    var body = button.closest("fieldset").querySelector("[data-lines] tbody");
    var next = body.rows.length + 1;
    button.hidden = false;
    button.addEventListener("click", function () {
      var row = body.rows[body.rows.length - 1].cloneNode(true);
      Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) {
        input.value = "";
        input.id = input.id.replace(/-\d+$/, "-" + next);
      });
      Array.prototype.forEach.call(row.querySelectorAll("label"), function (label) {
        label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + next);
        label.textContent = label.textContent.replace(/\d+$/, String(next));
      });
      Array.prototype.forEach.call(row.querySelectorAll("td:not(:has(input))"), function (td) { td.textContent = ""; });
      body.appendChild(row);
      next++;
      row.querySelector("input").focus();
    });
  }

  // The viewer's time zone: the server shows times in the zone this
  // cookie names. A page shown in another zone loads once more.
  function timeZone() {
    var tz = "";
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (!/^[A-Za-z0-9_+\-\/]+$/.test(tz)) return; // an IANA name, as the cookie carries it
    var m = document.cookie.match(/(?:^|; )gatehouse_tz=([^;]*)/);
    if (m && m[1] === tz) return;
    document.cookie = "gatehouse_tz=" + tz + "; path=/; max-age=31536000; samesite=lax";
    var shown = document.querySelector("[data-tz]");
    if (shown && shown.getAttribute("data-tz") !== tz && !sessionStorage.getItem("gatehouse_tz_reloaded")) {
      sessionStorage.setItem("gatehouse_tz_reloaded", "1");
      location.reload();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    timeZone();
    var editor = document.querySelector("[data-group-editor]");
    if (editor) groupEditor(editor);
    var addLine = document.querySelector("[data-add-line]");
    if (addLine) lineItems(addLine);
    var err = document.getElementById("form-error");
    if (err) err.focus();
  });
})();

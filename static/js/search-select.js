/* Search selects (apps/organizations/widgets.py): a combobox that asks a lookup endpoint for a few
   matches as the user types, and keeps the chosen id in a hidden input posted under the field's name.
   Keyboard: ↓/↑ move through the list, Enter chooses, Esc closes. The WAI-ARIA combobox pattern:
   role=combobox + aria-expanded/aria-controls/aria-activedescendant, a listbox of options, and a
   polite live region saying how many were found. */
(function () {
  "use strict";

  var DELAY_MS = 200;

  function enhance(root) {
    if (root.dataset.searchSelectReady) return;
    root.dataset.searchSelectReady = "1";
    var input = root.querySelector("[data-search-select-input]");
    var hidden = root.querySelector("[data-search-select-value]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-search-select-status]");
    var url = root.dataset.url;
    var chosenLabel = input.value;
    var options = [];
    var active = -1;
    var timer = null;
    var sequence = 0;

    function setActive(index) {
      options.forEach(function (option, i) {
        var on = i === index;
        option.classList.toggle("active", on);
        option.setAttribute("aria-selected", on ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      list.classList.remove("show");
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function choose(option) {
      hidden.value = option.dataset.value;
      input.value = option.dataset.label;
      input.title = option.dataset.group || "";
      chosenLabel = input.value;
      close();
      status.textContent = "已选择：" + option.dataset.label;
      // The filter forms (htmx) listen for change events bubbling from their fields.
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(results) {
      list.textContent = "";
      options = [];
      if (!results.length) {
        var empty = document.createElement("li");
        empty.className = "dropdown-item-text text-body-secondary small";
        empty.textContent = "没有匹配的结果";
        list.appendChild(empty);
      }
      results.forEach(function (row, i) {
        var option = document.createElement("li");
        option.id = input.id + "_option_" + i;
        option.className = "dropdown-item";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.value = row.id;
        option.dataset.label = row.label;
        option.dataset.group = row.group;
        option.textContent = row.label;
        var group = document.createElement("small");
        group.className = "d-block text-body-secondary";
        group.textContent = row.group;
        option.appendChild(group);
        // mousedown, not click: it comes before the input's blur closes the list.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(option);
        });
        list.appendChild(option);
        options.push(option);
      });
      list.classList.add("show");
      input.setAttribute("aria-expanded", "true");
      status.textContent = results.length ? "找到 " + results.length + " 项，用上下方向键选择" : "没有匹配的结果";
      setActive(-1);
    }

    function search() {
      var mine = ++sequence;
      var query = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(input.value.trim());
      fetch(query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          // Answers may arrive out of order: only the latest request's is shown.
          if (mine === sequence && document.activeElement === input) show(data.results);
        })
        .catch(function () {
          if (mine === sequence) status.textContent = "查询失败，请稍后重试";
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    }

    input.addEventListener("input", function () {
      if (hidden.value) {
        hidden.value = "";
        input.title = "";
      }
      if (!input.value.trim()) {
        chosenLabel = "";
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
      later();
    });
    input.addEventListener("focus", later);
    // The typed text is not a value: only a choice (on the hidden input) changes the form.
    input.addEventListener("change", function (event) {
      event.stopPropagation();
    });
    input.addEventListener("blur", function () {
      clearTimeout(timer);
      sequence++;
      close();
      // Left without choosing: show what is still chosen (nothing, if the text was edited).
      if (!hidden.value && input.value.trim() && input.value !== chosenLabel) {
        status.textContent = "未选择，请从列表中选择";
      }
    });
    input.addEventListener("keydown", function (event) {
      var open = list.classList.contains("show");
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) return search();
        if (options.length) setActive((active + 1) % options.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open && options.length) setActive(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open) {
          // Enter picks from the list rather than submitting the form.
          event.preventDefault();
          if (active >= 0) choose(options[active]);
          else if (options.length === 1) choose(options[0]);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      }
    });
  }

  function enhanceAll(scope) {
    (scope || document).querySelectorAll("[data-search-select]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAll(document);
  });
  // Forms swapped in by htmx come alive too.
  document.addEventListener("htmx:load", function (event) {
    enhanceAll(event.target);
  });
})();

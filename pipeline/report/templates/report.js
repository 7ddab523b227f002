"use strict";
// The report's only script: sort any table.sortable by a click on a header, filter the rows of a
// table by the words typed in its filter input. It reads the page and changes it; it fetches nothing.
(function () {
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function sortValue(cell, numeric) {
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (!numeric) return raw;
    var number = parseFloat(raw.replace(/[^0-9.\-]/g, ""));
    return isNaN(number) ? null : number;
  }

  function isEmpty(value) {
    return value === null || value === "";
  }

  function sortBy(table, header, index) {
    var numeric = header.getAttribute("data-type") === "number";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (row, position) {
      return { row: row, value: sortValue(row.cells[index], numeric), position: position };
    });
    rows.sort(function (x, y) {
      var empty = isEmpty(x.value) - isEmpty(y.value);
      if (empty) return empty;  // empty cells last, whichever the direction
      var order = (numeric ? x.value - y.value : collator.compare(x.value, y.value)) * (ascending ? 1 : -1);
      return order || x.position - y.position;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(header.parentNode.cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      header.addEventListener("click", function () { sortBy(table, header, index); });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    var count = document.querySelector("[data-count-for='" + table.id + "']");
    var rows = table.tBodies[0].rows;  // live: in their current (sorted) order
    var texts = new Map();  // each row's text, lower case, read once
    Array.prototype.forEach.call(rows, function (row) { texts.set(row, row.textContent.toLocaleLowerCase()); });
    function apply() {
      var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var text = texts.get(row);
        var match = words.every(function (word) { return text.indexOf(word) >= 0; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) count.textContent = shown + " of " + rows.length + " rows";
    }
    input.addEventListener("input", apply);
    input.closest(".filter").hidden = false;
    apply();
  });
})();

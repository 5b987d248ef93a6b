// Filters of the findings table. The rest of the page needs no script.
(function () {
  'use strict';
  var form = document.getElementById('filters');
  var table = document.getElementById('findings-table');
  var count = document.getElementById('shown-count');
  if (!form || !table || !count) { return; }
  var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr.finding'));
  var names = ['severity', 'rule', 'provider', 'liveness', 'state'];
  function apply() {
    var query = form.elements.q.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var keep = names.every(function (name) {
        var wanted = form.elements[name].value;
        return !wanted || row.getAttribute('data-' + name) === wanted;
      });
      if (keep && query) { keep = row.getAttribute('data-path').indexOf(query) !== -1; }
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    count.textContent = shown + ' of ' + rows.length + ' finding(s) shown';
    document.documentElement.setAttribute('data-shown', String(shown));
  }
  // Filters may come in the address: report.html#liveness=live&q=config
  var initial = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  names.concat(['q']).forEach(function (name) {
    var value = initial.get(name);
    if (value === null) { return; }
    var field = form.elements[name];
    if (field.tagName === 'SELECT' && !Array.prototype.some.call(field.options, function (o) { return o.value === value; })) {
      var option = document.createElement('option');
      option.value = value;
      option.textContent = value;
      field.appendChild(option);
    }
    field.value = value;
  });
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
  document.documentElement.setAttribute('data-filters', 'ready');
}());

// The charts of `candor report` (batch/report.py inlines this file, the data and uPlot into the page).
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  var data = JSON.parse(document.getElementById('candor-data').textContent);
  var colours = {send: '#2f9e5b', revise: '#d4a017', block: '#d64535', score: '#3d6fb6', old: '#9aa5b1'};
  var made = 0;
  function longest(labels) { return labels.reduce(function (m, l) { return Math.max(m, String(l).length); }, 0); }
  function shares(values) {
    var total = values.reduce(function (a, b) { return a + b; }, 0) || 1;
    return values.map(function (v) { return Math.round(1000 * v / total) / 10; });
  }
  function bars(target, title, labels, series, stacked) {
    // Stacked: cumulative sums drawn tallest first; otherwise the earlier run drawn wide and pale behind the new.
    var box = document.createElement('div'); box.className = 'chart';
    var h = document.createElement('h3'); h.textContent = title; box.appendChild(h);
    document.getElementById(target).appendChild(box);
    var xs = labels.map(function (_, i) { return i; });
    var values = series.map(function (s) { return s.values.slice(); });
    if (stacked) for (var k = 1; k < values.length; k++) values[k] = values[k].map(function (v, j) { return v + values[k - 1][j]; });
    var order = series.map(function (_, i) { return i; }).reverse();
    var width = Math.max(320, Math.min(1040, 80 + labels.length * Math.max(52, 7 * longest(labels))));
    // Labels wider than their bar's slot (long rule ids, many authors) are tilted, with room below for them,
    // instead of running into each other.
    var tilt = 7 * longest(labels) > (width - 80) / Math.max(1, labels.length);
    box.setAttribute('data-tilt', tilt ? '1' : '0');
    if (width > 360) box.style.gridColumn = '1 / -1';  // wider than a grid cell: the chart takes the whole row
    var opts = {
      width: width, height: tilt ? 220 + Math.min(170, 5 * longest(labels)) : 220,
      legend: {show: series.length > 1, live: false}, cursor: {show: false},
      padding: [null, tilt ? Math.min(170, 5 * longest(labels)) : null, null, null],  // room for the last tilted label
      scales: {x: {time: false, range: [-0.6, labels.length - 0.4]},
               y: {range: function (u, lo, hi) { return [0, Math.max(1, hi * 1.1)]; }}},
      axes: [{values: function (u, ticks) { return ticks.map(function (t) { return labels[t] === undefined ? '' : labels[t]; }); },
              splits: function () { return xs; }, size: tilt ? 20 + Math.min(170, 5 * longest(labels)) : 40,
              rotate: tilt ? -40 : 0, align: tilt ? 1 : undefined}, {size: 46}],
      series: [{}].concat(order.map(function (i) {
        var colour = colours[series[i].colour] || series[i].colour;
        var size = stacked || series.length === 1 ? 0.7 : (i === 0 ? 0.45 : 0.85);
        return {label: series[i].label, fill: colour, stroke: colour, width: 0, paths: uPlot.paths.bars({size: [size, 90]})};
      }))
    };
    new uPlot(opts, [xs].concat(order.map(function (i) { return values[i]; })), box);
    made += 1;
  }
  function line(target, title, labels, series) {
    var box = document.createElement('div'); box.className = 'chart';
    var h = document.createElement('h3'); h.textContent = title; box.appendChild(h);
    document.getElementById(target).appendChild(box);
    var xs = labels.map(function (_, i) { return i; });
    var width = Math.max(320, Math.min(1040, 80 + labels.length * 60));
    if (width > 360) box.style.gridColumn = '1 / -1';
    new uPlot({width: width, height: 220, cursor: {show: false}, legend: {show: false}, scales: {x: {time: false}, y: {range: [1, 5]}},
      axes: [{values: function (u, ticks) { return ticks.map(function (t) { return labels[t] || ''; }); }, splits: function () { return xs; }}, {}],
      series: [{}].concat(series.map(function (s) { return {label: s.label, stroke: colours[s.colour], width: 2, points: {show: true}}; }))
    }, [xs].concat(series.map(function (s) { return s.values; })), box);
    made += 1;
  }
  // Beside an earlier run, counts become shares (%), so runs of different sizes compare.
  var scale = data.old ? shares : function (v) { return v; };
  var unit = data.old ? ' (% of messages)' : '';
  bars('verdicts', 'Verdicts' + unit, ['send', 'revise', 'block'],
       [{label: 'now', colour: 'score', values: scale(data.verdicts)}]
         .concat(data.old ? [{label: 'earlier', colour: 'old', values: scale(data.old.verdicts)}] : []));
  Object.keys(data.dimensions).forEach(function (d) {
    var earlier = data.old && data.old.dimensions[d];
    bars('dimensions', d + ': scores 1-5' + unit, ['1', '2', '3', '4', '5'],
         [{label: 'now', colour: 'score', values: scale(data.dimensions[d])}]
           .concat(earlier ? [{label: 'earlier', colour: 'old', values: scale(earlier)}] : []));
  });
  [['months', 'By month'], ['authors', 'By author'], ['clients', 'By client']].forEach(function (g) {
    var group = data[g[0]];
    if (!group.labels.length) return;
    bars(g[0], g[1] + ': verdicts', group.labels, ['send', 'revise', 'block'].map(function (v) { return {label: v, colour: v, values: group[v]}; }), true);
    if (g[0] === 'months') line('months', 'Mean overall score by month', group.labels, [{label: 'mean overall', colour: 'score', values: group.mean}]);
  });
  bars('findings', 'Most frequent problems (messages)', data.findings.labels, [{label: 'messages', colour: 'block', values: data.findings.values}]);
  bars('missing', 'Most often missing (messages)', data.missing.labels, [{label: 'messages', colour: 'revise', values: data.missing.values}]);
  document.body.setAttribute('data-charts', String(made));
  document.body.setAttribute('data-errors', String(errors.length));
})();

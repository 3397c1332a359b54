// The live dashboard of a Partita training run. Polls the run's JSON once a second and redraws:
// the progress cards, loss / accuracy / throughput per step (with the epochs' results), the plan
// (replicas × stages × slices, each shard coloured by its node), the last steps' per-shard
// timelines, nodes and memory, events. Plain DOM and SVG, nothing loaded from elsewhere.
// What is drawn is also written into data-* attributes (data-points, data-shards, data-lanes …),
// so a test can read what the page shows from its DOM.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const token = new URLSearchParams(window.location.search).get('token');
  const MAX_STEPS = 10000;
  const NODE_COLOURS = ['#93c5fd', '#86efac', '#fcd34d', '#f9a8d4', '#c4b5fd', '#fdba74', '#5eead4', '#d9f99d'];
  const state = { run: null, steps: [], last: 0, timelines: [], renders: 0, failures: 0 };

  function api(path) {
    if (!token) return path;
    return path + (path.indexOf('?') >= 0 ? '&' : '?') + 'token=' + encodeURIComponent(token);
  }

  async function get(path) {
    const response = await fetch(api(path), { cache: 'no-store' });
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  async function poll() {
    let ended = false;
    try {
      const [run, steps, timeline] = await Promise.all([
        get('/api/run'), get('/api/steps?since=' + state.last), get('/api/timeline')]);
      state.run = run;
      for (const step of steps.steps) state.steps.push(step);
      if (state.steps.length > MAX_STEPS) state.steps.splice(0, state.steps.length - MAX_STEPS);
      state.last = steps.last;
      state.timelines = timeline.timelines;
      state.failures = 0;
      ended = run.state === 'ended';
      render();
      status(ended ? 'ended' : 'live', ended ? 'run ended' : run.state === 'starting' ? 'starting…' : 'live');
    } catch (error) {
      state.failures++;
      status('lost', 'no answer — the run has ended or the connection is lost');
    }
    if (!ended && state.failures < 30) window.setTimeout(poll, 1000);
  }

  function status(kind, text) {
    const element = document.getElementById('status');
    element.className = 'status ' + kind;
    element.textContent = text;
  }

  // ---- formatting -------------------------------------------------------------------------------

  function number(value, digits) {
    return value === null || value === undefined || !isFinite(value) ? '–' : Number(value).toFixed(digits);
  }

  function grouped(value) {
    return value === null || value === undefined || !isFinite(value) ? '–' : Math.round(value).toLocaleString('en');
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return '–';
    const s = Math.round(seconds);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    return Math.floor(s / 3600) + 'h' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
  }

  function bytes(value) {
    if (value === null || value === undefined) return '–';
    if (value >= 1 << 30) return (value / (1 << 30)).toFixed(1) + ' GiB';
    return (value / (1 << 20)).toFixed(0) + ' MiB';
  }

  function set(id, text) {
    document.getElementById(id).textContent = text;
  }

  function svg(parent, name, attributes, text) {
    const element = document.createElementNS(SVG, name);
    for (const key in attributes) element.setAttribute(key, attributes[key]);
    if (text !== undefined) element.textContent = text;
    parent.appendChild(element);
    return element;
  }

  function clear(element) {
    while (element.firstChild) element.removeChild(element.firstChild);
  }

  function html(parent, name, text, className) {
    const element = document.createElement(name);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    parent.appendChild(element);
    return element;
  }

  // ---- the page ---------------------------------------------------------------------------------

  function render() {
    const run = state.run;
    set('model', run.model + ' · ' + grouped(run.parameters) + ' parameters');
    set('mode', run.mode + ' · batch ' + run.batch_size + ' · ' + run.optimizer);
    set('step', grouped(run.step));
    set('step-sub', run.step_in_epoch ? run.step_in_epoch + ' of ' + run.steps_per_epoch + ' this epoch' : '');
    set('epoch', run.epoch ? run.epoch + ' / ' + run.epochs : '– / ' + run.epochs);
    const lastEpoch = run.epoch_results[run.epoch_results.length - 1];
    const heldOut = lastEpoch ? (run.measure === 'r2' ? lastEpoch.test_r2 : lastEpoch.test_accuracy) : null;
    set('epoch-sub', heldOut === null || heldOut === undefined ? '' : 'test ' + (run.measure === 'r2'
      ? 'R² ' + number(heldOut, 3) : number(100 * heldOut, 2) + '%') + ' after epoch ' + lastEpoch.epoch);
    const r2 = run.measure === 'r2';
    set('loss', number(run.loss, 4));
    set('measure-label', r2 ? 'R²' : 'accuracy');
    set('measure-title', r2 ? 'R²' : 'Accuracy');
    set('accuracy', r2 ? number(run.r2, 3) : run.accuracy === null ? '–' : number(100 * run.accuracy, 1) + '%');
    set('throughput', grouped(run.samples_per_second));
    set('lr', run.learning_rate === null ? '' : 'learning rate ' + Number(run.learning_rate).toPrecision(3));
    set('eta', run.state === 'ended' ? 'done' : run.eta_seconds === null ? '…' : duration(run.eta_seconds));
    set('elapsed', duration(run.elapsed_seconds) + ' elapsed');
    set('tb-hint', 'tensorboard --logdir ' + run.run_directory + '/tb');
    curves();
    plan(run.plan);
    timeline(run.plan);
    nodes(run);
    events(run.events);
    epochs(run.epoch_results);
    state.renders++;
    document.body.dataset.state = run.state;
    document.body.dataset.step = String(run.step);
    document.body.dataset.renders = String(state.renders);
  }

  function curves() {
    const epochs = state.run.epoch_results;
    lineChart('loss-chart', {
      name: 'loss', steps: state.steps.map(s => [s.step, s.loss]),
      train: epochs.map(e => [e.step, e.train_loss]), test: epochs.map(e => [e.step, e.test_loss]),
      format: v => Number(v.toPrecision(3)).toString() });
    if (state.run.measure === 'r2') {
      lineChart('accuracy-chart', {
        name: 'r2', steps: state.steps.map(s => [s.step, s.r2]),
        train: epochs.map(e => [e.step, e.train_r2]), test: epochs.map(e => [e.step, e.test_r2]),
        format: v => Number(v.toPrecision(3)).toString() });
    } else {
      lineChart('accuracy-chart', {
        name: 'accuracy', steps: state.steps.map(s => [s.step, 100 * s.accuracy]),
        train: epochs.map(e => [e.step, 100 * e.train_accuracy]),
        test: epochs.map(e => [e.step, e.test_accuracy === null ? null : 100 * e.test_accuracy]),
        format: v => v.toFixed(0) + '%' });
    }
    lineChart('throughput-chart', {
      name: 'samples-per-second', steps: recentThroughput(), format: grouped,
      overall: state.steps.map(s => [s.step, s.samples_per_second]) });
  }

  /**
   * Samples per second of each step, from the time between it and the step before (the first step
   * of an epoch, which waited for the evaluation, is left out).
   */
  function recentThroughput() {
    const batch = state.run.batch_size;
    const out = [];
    for (let i = 1; i < state.steps.length; i++) {
      const step = state.steps[i], before = state.steps[i - 1];
      const seconds = step.seconds - before.seconds;
      if (step.epoch === before.epoch && step.step === before.step + 1 && seconds > 0) out.push([step.step, batch / seconds]);
    }
    return out;
  }

  /** Exponential smoothing as TensorBoard does it (weight 0.9), debiased for the first points. */
  function smoothed(points) {
    const out = [];
    let mean = 0;
    let weight = 0;
    for (const [x, y] of points) {
      if (y === null || !isFinite(y)) continue;
      mean = 0.9 * mean + 0.1 * y;
      weight = 0.9 * weight + 0.1;
      out.push([x, mean / weight]);
    }
    return out;
  }

  /** Points kept for a line of at most ~2 per pixel column. */
  function thinned(points, width) {
    const every = Math.max(1, Math.floor(points.length / (2 * width)));
    return every === 1 ? points : points.filter((p, i) => i % every === 0 || i === points.length - 1);
  }

  /**
   * One value per step (faint) and its smoothing, the epochs' train and test results as dots, and
   * optionally an {@code overall} line: {name, steps, train, test, overall, format}.
   */
  function lineChart(id, chartData) {
    const chart = document.getElementById(id);
    clear(chart);
    const W = 560, H = 240, left = 52, right = 12, top = 10, bottom = 28;
    const steps = chartData.steps, train = chartData.train || [], test = chartData.test || [];
    const more = chartData.overall || [], format = chartData.format, yName = chartData.name;
    const smooth = smoothed(steps);
    const all = steps.concat(train, test, smooth, more).filter(p => p[1] !== null && isFinite(p[1]));
    chart.dataset.points = String(steps.length);
    chart.dataset.epochPoints = String(train.length);
    if (all.length === 0) {
      svg(chart, 'text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'waiting for the first step…');
      return;
    }
    let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
    for (const [px, py] of all) {
      xMin = Math.min(xMin, px); xMax = Math.max(xMax, px); yMin = Math.min(yMin, py); yMax = Math.max(yMax, py);
    }
    if (xMax === xMin) { xMin -= 1; xMax += 1; }
    if (yMax === yMin) { yMin -= Math.abs(yMin) * 0.1 + 1e-3; yMax += Math.abs(yMax) * 0.1 + 1e-3; }
    const pad = (yMax - yMin) * 0.05;
    yMin -= pad; yMax += pad;
    const x = v => left + (v - xMin) / (xMax - xMin) * (W - left - right);
    const y = v => top + (1 - (v - yMin) / (yMax - yMin)) * (H - top - bottom);
    for (const tick of ticks(yMin, yMax, 5)) {
      svg(chart, 'line', { x1: left, x2: W - right, y1: y(tick), y2: y(tick), class: 'grid' });
      svg(chart, 'text', { x: left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, format(tick));
    }
    for (const tick of ticks(xMin, xMax, 6)) {
      if (tick !== Math.round(tick) || x(tick) > W - right - 36) continue;
      svg(chart, 'text', { x: x(tick), y: H - 10, 'text-anchor': 'middle' }, grouped(tick));
    }
    svg(chart, 'line', { x1: left, x2: left, y1: top, y2: H - bottom, class: 'axis' });
    svg(chart, 'line', { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: 'axis' });
    svg(chart, 'text', { x: W - right, y: H - 10, 'text-anchor': 'end' }, 'step');
    for (const [step] of train) {
      svg(chart, 'line', { x1: x(step), x2: x(step), y1: top, y2: H - bottom, class: 'epoch-mark' });
    }
    const path = (points, cls, series) => {
      const kept = thinned(points.filter(p => p[1] !== null && isFinite(p[1])), W);
      if (kept.length === 0) return;
      const d = kept.map((p, i) => (i ? 'L' : 'M') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1)).join('');
      svg(chart, 'path', { d: d, class: 'series ' + cls, 'data-series': series, 'data-points': kept.length });
    };
    path(steps, 'step', yName + '-per-step');
    path(smooth, 'smooth', yName + '-smoothed');
    path(more, 'overall', yName + '-overall');
    for (const [series, points] of [['train', train], ['test', test]]) {
      for (const [step, value] of points) {
        if (value === null || !isFinite(value)) continue;
        const dot = svg(chart, 'circle', { cx: x(step), cy: y(value), r: 3.5, class: 'dot ' + series,
          'data-series': 'epoch-' + series });
        svg(dot, 'title', {}, 'epoch ' + series + ' ' + format(value) + ' at step ' + step);
      }
    }
  }

  function ticks(min, max, count) {
    const span = max - min;
    const raw = span / count;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map(f => f * magnitude).find(s => span / s <= count) || 10 * magnitude;
    const out = [];
    for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  // ---- plan -------------------------------------------------------------------------------------

  function nodeColour(name) {
    const names = (state.run.nodes || []).map(n => n.name);
    const index = names.indexOf(name);
    return NODE_COLOURS[(index < 0 ? names.length : index) % NODE_COLOURS.length];
  }

  function plan(p) {
    const chart = document.getElementById('plan');
    clear(chart);
    set('plan-description', p ? p.description : 'not placed yet');
    if (!p) {
      chart.dataset.shards = '0';
      return;
    }
    const maxSlices = Math.max(...p.slices);
    const cellW = 170, cellH = 44, gapX = 34, gapY = 6, boxPad = 10, header = 18;
    const replicaW = p.stages * cellW + (p.stages - 1) * gapX + 2 * boxPad;
    const replicaH = header + maxSlices * cellH + (maxSlices - 1) * gapY + 2 * boxPad;
    const perRow = Math.max(1, Math.floor(1120 / (replicaW + 12)));
    const rows = Math.ceil(p.replicas / perRow);
    const height = rows * (replicaH + 12);
    chart.setAttribute('viewBox', '0 0 ' + Math.max(1120, replicaW + 12) + ' ' + height);
    for (let r = 0; r < p.replicas; r++) {
      const ox = (r % perRow) * (replicaW + 12), oy = Math.floor(r / perRow) * (replicaH + 12);
      svg(chart, 'rect', { x: ox, y: oy, width: replicaW, height: replicaH, rx: 8, class: 'replica' });
      svg(chart, 'text', { x: ox + boxPad, y: oy + 14 }, 'replica ' + r + (p.micro_batches > 1
        ? ' · ' + p.micro_batches + ' micro-batches, ' + (p.schedule === '1f1b' ? '1F1B' : 'GPipe') : ''));
      for (let s = 0; s < p.stages; s++) {
        const sx = ox + boxPad + s * (cellW + gapX);
        if (s > 0) {
          const ay = oy + header + boxPad + (maxSlices * cellH) / 2;
          svg(chart, 'path', { d: 'M' + (sx - gapX + 4) + ' ' + ay + 'L' + (sx - 6) + ' ' + ay
            + 'M' + (sx - 11) + ' ' + (ay - 4) + 'L' + (sx - 6) + ' ' + ay + 'L' + (sx - 11) + ' ' + (ay + 4), class: 'arrow' });
        }
      }
    }
    for (const shard of p.shards) {
      const r = shard.replica;
      const ox = (r % perRow) * (replicaW + 12), oy = Math.floor(r / perRow) * (replicaH + 12);
      const sx = ox + boxPad + shard.stage * (cellW + gapX);
      const sy = oy + header + boxPad + shard.slice * (cellH + gapY);
      const cell = svg(chart, 'rect', { x: sx, y: sy, width: cellW, height: cellH, rx: 5, class: 'shard',
        fill: nodeColour(shard.node), 'data-shard': shard.shard, 'data-node': shard.node });
      svg(cell, 'title', {}, 'shard ' + shard.shard + ' on ' + shard.node + ': layers ' + shard.layers[0] + '–'
        + (shard.layers[1] - 1));
      const layers = shard.layers[1] - shard.layers[0] === 1 ? 'layer ' + shard.layers[0]
        : 'layers ' + shard.layers[0] + '–' + (shard.layers[1] - 1);
      svg(chart, 'text', { x: sx + 8, y: sy + 17, class: 'shard-label' },
        'stage ' + shard.stage + ' · slice ' + shard.slice);
      svg(chart, 'text', { x: sx + 8, y: sy + 34, class: 'shard-node' }, shard.node + ' · ' + layers);
    }
    chart.dataset.shards = String(p.shards.length);
    chart.dataset.replicas = String(p.replicas);
    chart.dataset.stages = String(p.stages);
  }

  // ---- timeline ---------------------------------------------------------------------------------

  function laneOrder(a, b) {
    const key = s => s.split('/').map(part => Number(part.slice(1)));
    const ka = key(a), kb = key(b);
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  }

  function timeline(p) {
    const chart = document.getElementById('timeline');
    const table = document.getElementById('shard-table');
    clear(chart);
    clear(table);
    const timelines = state.timelines;
    if (timelines.length === 0) {
      set('timeline-note', p && p.shards.length === 1 && p.shards[0].node === 'this process'
        ? 'The reference trainer computes in one process: there are no shards to compare.'
        : 'Waiting for the first steps of the cluster…');
      chart.setAttribute('viewBox', '0 0 1120 10');
      chart.dataset.lanes = '0';
      chart.dataset.steps = '0';
      return;
    }
    const total = timelines.reduce((sum, t) => sum + t.seconds, 0);
    // One slow step (a collection, an evaluation's aftermath) would squeeze the others to slivers:
    // a step is drawn at most 3 medians wide, cut off at the right with its time written.
    const sorted = timelines.map(t => t.seconds).sort((a, b) => a - b);
    const cap = 3 * sorted[Math.floor(sorted.length / 2)];
    const drawn = timelines.reduce((sum, t) => sum + Math.min(t.seconds, cap), 0);
    set('timeline-note', 'The last ' + timelines.length + ' steps (' + number(1000 * total / timelines.length, 1)
      + ' ms each on average at the driver), every shard from the moment its step began.');
    const lanes = timelines[timelines.length - 1].shards.map(s => s.shard).sort(laneOrder);
    const nodeOf = {};
    for (const t of timelines) for (const s of t.shards) nodeOf[s.shard] = s.node;
    const left = 150, right = 10, top = 18, laneH = 20, gap = 4;
    const W = 1120, H = top + lanes.length * (laneH + gap) + 4;
    chart.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    const scale = (W - left - right) / drawn;
    lanes.forEach((lane, i) => {
      svg(chart, 'text', { x: 4, y: top + i * (laneH + gap) + 14, class: 'lane-label' }, lane + ' · ' + nodeOf[lane]);
    });
    let spans = 0;
    let offset = left;
    const sums = {};
    for (const t of timelines) {
      const shown = Math.min(t.seconds, cap);
      const width = shown * scale;
      if (width > 64) {
        svg(chart, 'text', { x: offset + 2, y: 12 }, 'step ' + t.step + (shown < t.seconds
          ? ' (' + number(1000 * t.seconds, 0) + ' ms, cut)' : ''));
      }
      for (const shard of t.shards) {
        const i = lanes.indexOf(shard.shard);
        if (i < 0) continue;
        const y = top + i * (laneH + gap);
        svg(chart, 'rect', { x: offset, y: y, width: Math.max(0, width - 1), height: laneH, class: 'wait' });
        const sum = sums[shard.shard] || (sums[shard.shard] = { compute: 0, exchange: 0, wait: 0, steps: 0 });
        let busy = 0;
        for (const [begin, end, kind] of shard.spans) {
          const length = Math.max(0, Math.min(end, t.seconds) - Math.min(begin, t.seconds));
          sum[kind] += length;
          busy += length;
          const b = Math.min(begin, shown), e = Math.min(end, shown);
          if (e <= b) continue;
          const rect = svg(chart, 'rect', { x: offset + b * scale, y: y, width: Math.max(0.5, (e - b) * scale),
            height: laneH, class: kind });
          svg(rect, 'title', {}, shard.shard + ' step ' + t.step + ': ' + kind + ' ' + number(1000 * (end - begin), 2) + ' ms');
          spans++;
        }
        sum.wait += Math.max(0, t.seconds - busy);
        sum.steps++;
      }
      svg(chart, 'line', { x1: offset + width - 0.5, x2: offset + width - 0.5, y1: top - 4, y2: H, class: 'step-edge' });
      offset += width;
    }
    chart.dataset.lanes = String(lanes.length);
    chart.dataset.steps = String(timelines.length);
    chart.dataset.spans = String(spans);
    const head = html(table, 'tr');
    for (const title of ['shard', 'node', 'computing ms/step', 'all-reduce ms/step', 'waiting ms/step']) html(head, 'th', title);
    for (const lane of lanes) {
      const sum = sums[lane];
      if (!sum) continue;
      const row = html(table, 'tr');
      html(row, 'td', lane);
      html(row, 'td', nodeOf[lane]);
      html(row, 'td', number(1000 * sum.compute / sum.steps, 2));
      html(row, 'td', number(1000 * sum.exchange / sum.steps, 2));
      html(row, 'td', number(1000 * sum.wait / sum.steps, 2));
    }
  }

  // ---- nodes, events, epochs ----------------------------------------------------------------------

  function nodes(run) {
    const table = document.getElementById('nodes');
    clear(table);
    const head = html(table, 'tr');
    for (const title of ['node', 'address', 'cores', 'planned / heap', '']) html(head, 'th', title);
    for (const node of run.nodes) {
      const row = html(table, 'tr');
      row.dataset.node = node.name;
      html(row, 'td', node.name);
      html(row, 'td', node.address);
      html(row, 'td', String(node.cores));
      html(row, 'td', bytes(node.planned_bytes) + ' / ' + bytes(node.heap_bytes));
      const fraction = node.planned_bytes === null ? 0 : node.planned_bytes / node.heap_bytes;
      const bar = html(html(row, 'td'), 'div', undefined, 'bar' + (fraction > 0.9 ? ' full' : ''));
      html(bar, 'span').style.width = Math.min(100, 100 * fraction).toFixed(1) + '%';
    }
    const shared = new Set(run.nodes.map(n => n.process)).size < run.nodes.length;
    set('driver-heap', 'Driver JVM heap: ' + bytes(run.driver_heap.used_bytes) + ' used of ' + bytes(run.driver_heap.max_bytes)
      + (shared ? ' — nodes in one process share its heap.' : '.'));
  }

  function events(list) {
    const element = document.getElementById('events');
    clear(element);
    for (let i = list.length - 1; i >= 0; i--) {
      const item = html(element, 'li');
      item.dataset.kind = list[i].kind;
      html(item, 'span', '+' + duration(list[i].seconds), 'muted when');
      html(item, 'span', list[i].kind, 'kind');
      html(item, 'span', list[i].text);
    }
    element.dataset.events = String(list.length);
  }

  function epochs(list) {
    const table = document.getElementById('epochs');
    clear(table);
    const head = html(table, 'tr');
    const r2 = state.run.measure === 'r2';
    const measure = r2 ? 'R²' : 'accuracy';
    for (const title of ['epoch', 'step', 'train loss', 'train ' + measure, 'test loss', 'test ' + measure, 'seconds']) {
      html(head, 'th', title);
    }
    const shown = v => v === null || v === undefined ? '–' : r2 ? number(v, 4) : number(100 * v, 2) + '%';
    for (const e of list) {
      const row = html(table, 'tr');
      html(row, 'td', String(e.epoch));
      html(row, 'td', grouped(e.step));
      html(row, 'td', number(e.train_loss, 4));
      html(row, 'td', shown(r2 ? e.train_r2 : e.train_accuracy));
      html(row, 'td', number(e.test_loss, 4));
      html(row, 'td', shown(r2 ? e.test_r2 : e.test_accuracy));
      html(row, 'td', number(e.seconds, 1));
    }
  }

  poll();
})();

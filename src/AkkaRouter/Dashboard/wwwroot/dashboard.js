// AkkaRouter dashboard: plain ES2020, no build step, nothing fetched from outside this node.
//
// Data: /api/dashboard/stream (server-sent events, `state`, one JSON document each), falling back to polling
// /api/dashboard every second while the stream is down; /api/dashboard/ring?service= (the ring as arcs, fetched
// again whenever the service's checksum changes); /api/dashboard/key?key=&service= (the key box).
'use strict';

(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const OUTER = 100;
  const INNER = 68;
  const SHARE_OUTER = 63; // the inner ring: one arc per backend, sized by its share
  const SHARE_INNER = 57;
  const POLL_MS = 1000;
  const RETRY_STREAM_MS = 5000;
  const STALE_MS = 3500;

  const $ = (selector, root = document) => root.querySelector(selector);

  // ---- Colours: one per backend id, stable across updates and page loads (FNV-1a of the id -> hue). ----
  const colourCache = new Map();
  function colour(id) {
    let c = colourCache.get(id);
    if (c) return c;
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) {
      h ^= id.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    // Finalizer (murmur3 fmix32): ids that differ in their last character get unrelated hues.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    const hue = h % 360;
    const light = 42 + ((h >>> 9) % 3) * 6; // 42, 48 or 54 %: neighbours with close hues still differ
    c = `hsl(${hue} 68% ${light}%)`;
    colourCache.set(id, c);
    return c;
  }

  // ---- Small DOM helpers (textContent only: nothing from the data is parsed as HTML). ----
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  const percent = (x, digits = 1) => `${(x * 100).toFixed(digits)}%`;
  const rate = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const short = (checksum) => (checksum || '').slice(0, 8);
  const weight = (w) => (Number.isInteger(w) ? String(w) : w.toFixed(2));

  // ---- Geometry: fraction f of the circle, clockwise from the top. ----
  function point(f, r) {
    const a = 2 * Math.PI * f;
    return [+(Math.sin(a) * r).toFixed(3), +(-Math.cos(a) * r).toFixed(3)];
  }
  // One annular sector from fraction a to b (b - a <= 1/2, so the small-arc flag is always right).
  function sector(a, b, outer = OUTER, inner = INNER) {
    const [x1, y1] = point(a, outer);
    const [x2, y2] = point(b, outer);
    const [x3, y3] = point(b, inner);
    const [x4, y4] = point(a, inner);
    return `M${x1} ${y1}A${outer} ${outer} 0 0 1 ${x2} ${y2}L${x3} ${y3}A${inner} ${inner} 0 0 0 ${x4} ${y4}Z`;
  }
  function arcPath(start, length, segments, outer = OUTER, inner = INNER) {
    let d = '';
    // Long arcs are drawn in pieces of at most half the circle (a whole circle has no single SVG arc).
    for (let s = start; s < start + length; s += segments / 2) {
      const e = Math.min(start + length, s + segments / 2);
      d += sector(s / segments, e / segments, outer, inner);
    }
    return d;
  }

  // ---- State ----
  const services = new Map(); // name -> its section, ring (arcs, shares, key marks), table body, checksums, backends
  let lastState = null;
  let lastUpdate = 0;
  let keyRequest = 0;
  let keyAnswer = null;

  // ---- Rendering the state document ----
  function render(state) {
    lastState = state;
    lastUpdate = Date.now();
    $('#node').textContent = state.node || '';
    $('#updated').textContent = state.at ? `updated ${new Date(state.at).toLocaleTimeString()}` : '';
    renderAgreement(state.routers || [], state.agreement || {}, state.services || []);
    renderServices(state.services || []);
    renderChanges(state.changes || []);
    renderServiceChoice(state.services || []);
  }

  function renderAgreement(routers, agreement, localServices) {
    const section = $('#agreement');
    const agreed = agreement.agreed !== false && routers.length > 0;
    section.dataset.agreed = String(agreed);
    const summary = $('#agreement-summary');
    if (routers.length === 0) summary.textContent = 'Waiting for the routers…';
    else if (agreed && routers.length === 1) summary.textContent = 'Agreed: one router, nothing to compare yet.';
    else if (agreed) summary.textContent = `Agreed: all ${routers.length} routers hold the same rings.`;
    else summary.textContent = `Mismatch — ${agreement.detail || 'the routers do not agree'}`;

    // Columns: every service any router (or this node) knows; per cell the version and checksum; a cell whose
    // checksum differs from the most common one for that service is marked.
    const names = [];
    for (const s of localServices) if (!names.includes(s.name)) names.push(s.name);
    for (const r of routers) for (const s of r.services || []) if (!names.includes(s.name)) names.push(s.name);
    const common = new Map();
    for (const name of names) {
      const counts = new Map();
      for (const r of routers) {
        const s = (r.services || []).find((x) => x.name === name);
        if (s && !r.error) counts.set(s.checksum, (counts.get(s.checksum) || 0) + 1);
      }
      let best = null;
      let n = 0;
      for (const [c, k] of counts) if (k > n) [best, n] = [c, k];
      common.set(name, { checksum: best, distinct: counts.size });
    }

    const table = $('#agreement-table');
    const head = el('tr', null, el('th', { text: 'Router' }), ...names.map((n) => el('th', { text: n })));
    table.tHead.replaceChildren(head);
    const rows = routers.map((r) => {
      const row = el('tr', { 'data-router': r.address, class: r.self ? 'self' : null });
      row.append(el('th', { scope: 'row' }, el('span', { text: r.address }), r.self ? el('span', { class: 'tag', text: 'this node' }) : null,
        r.error ? el('span', { class: 'error', text: r.error }) : null));
      for (const name of names) {
        const s = (r.services || []).find((x) => x.name === name);
        const c = common.get(name);
        if (!s) {
          row.append(el('td', { class: c.checksum ? 'mismatch' : 'muted', 'data-service': name, text: 'no ring' }));
          continue;
        }
        const mismatch = c.distinct > 1 && s.checksum !== c.checksum;
        row.append(el('td', { 'data-service': name, 'data-checksum': s.checksum, class: mismatch ? 'mismatch' : null, title: s.checksum },
          el('span', { class: 'version', text: `v${s.version}` }), ' ', el('code', { text: short(s.checksum) }),
          el('span', { class: 'muted', text: ` · ${s.owners} own` })));
      }
      return row;
    });
    table.tBodies[0].replaceChildren(...rows);
  }

  function renderServiceChoice(list) {
    const select = $('#key-service');
    const names = list.map((s) => s.name);
    const current = Array.from(select.options, (o) => o.value);
    if (names.join('\n') === current.join('\n')) return;
    const chosen = select.value;
    select.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
    if (names.includes(chosen)) select.value = chosen;
    $('#lookup').classList.toggle('single', names.length <= 1);
  }

  function serviceView(name) {
    let view = services.get(name);
    if (view) return view;
    const ring = svg('svg', { class: 'ring', viewBox: '-104 -104 208 208', role: 'img', 'aria-label': `Ring of ${name}` });
    const track = svg('circle', { class: 'track', r: String((OUTER + INNER) / 2), 'stroke-width': String(OUTER - INNER) });
    const arcs = svg('g', { class: 'ring-arcs' });
    const shares = svg('g', { class: 'ring-shares' });
    const marks = svg('g', { class: 'key-marks' });
    const centre = svg('text', { class: 'centre', 'text-anchor': 'middle', y: '-4' });
    const sub = svg('text', { class: 'centre sub', 'text-anchor': 'middle', y: '14' });
    ring.append(track, arcs, shares, marks, centre, sub);
    const tbody = el('tbody');
    const heading = el('h2', null, el('span', { class: 'name', text: name }), el('span', { class: 'meta muted' }));
    const table = el('table', { class: 'backends' },
      el('thead', null, el('tr', null,
        el('th', { text: 'Backend' }), el('th', { text: 'State' }), el('th', { text: 'Zone' }),
        el('th', { class: 'num', text: 'Weight', title: 'configured / effective' }), el('th', { class: 'num', text: 'Share' }),
        el('th', { class: 'num', text: 'Req/s' }), el('th', { class: 'num', text: 'Err/s' }), el('th', { text: 'Circuit' }))),
      tbody);
    const section = el('section', { class: 'service', 'data-service': name },
      heading, el('div', { class: 'service-body' }, el('div', { class: 'ring-box' }, ring), el('div', { class: 'scroll' }, table)));
    view = { name, section, ring, arcs, shares, marks, centre, sub, tbody, heading, checksum: null, ringChecksum: null, loading: null, backends: [] };
    services.set(name, view);
    return view;
  }

  function renderServices(list) {
    const container = $('#services');
    const seen = new Set();
    list.forEach((s, i) => {
      seen.add(s.name);
      const view = serviceView(s.name);
      if (container.children[i] !== view.section) container.insertBefore(view.section, container.children[i] || null);
      view.backends = s.backends || [];
      $('.meta', view.heading).textContent =
        ` v${s.version} · ${short(s.checksum)} · ${s.owners} of ${s.members} own keys` + (s.placement ? ` · ${s.placement}` : '');
      view.section.dataset.version = String(s.version);
      view.section.dataset.checksum = s.checksum;
      view.centre.textContent = s.name;
      view.sub.textContent = `v${s.version} · ${s.owners} owner${s.owners === 1 ? '' : 's'}`;
      renderBackends(view);
      drawShares(view);
      if (view.checksum !== s.checksum) {
        view.checksum = s.checksum;
        loadRing(view);
      }
    });
    for (const [name, view] of services) {
      if (!seen.has(name)) {
        view.section.remove();
        services.delete(name);
      }
    }
    $('#app').classList.toggle('several', list.length > 1);
  }

  function stateCell(b) {
    const cell = el('td', { class: 'state', 'data-label': 'State' }, el('span', { class: `badge ${b.state}`, text: b.state }));
    if (b.state === 'warming' && typeof b.progress === 'number') {
      cell.append(' ', el('progress', { max: '1', value: String(b.progress), title: `${percent(b.progress, 0)} of its weight` }),
        el('span', { class: 'muted', text: ` ${percent(b.progress, 0)}` }));
    }
    if (b.reason) cell.append(el('div', { class: 'reason', text: b.reason }));
    return cell;
  }

  function renderBackends(view) {
    const highlighted = keyHighlight(view.name);
    const rows = view.backends.map((b) => {
      const owns = b.share > 0;
      const rank = highlighted.get(b.id);
      const row = el('tr', {
        'data-backend': b.id, 'data-state': b.state, 'data-circuit': b.circuit,
        class: [owns ? null : 'idle', rank === 0 ? 'key-owner' : rank > 0 ? 'key-pref' : null].filter(Boolean).join(' ') || null,
      });
      const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = owns ? colour(b.id) : 'transparent';
      swatch.style.borderColor = colour(b.id);
      row.append(
        el('th', { scope: 'row', 'data-label': 'Backend' }, swatch, el('span', { class: 'id', text: b.id }), el('span', { class: 'endpoint muted', text: b.endpoint })),
        stateCell(b),
        el('td', { 'data-label': 'Zone', text: b.zone || '—' }),
        el('td', { class: 'num', 'data-label': 'Weight', title: 'configured / effective' },
          `${weight(b.weight)} / `, el('span', { class: b['effective-weight'] < b.weight ? 'reduced' : null, text: weight(b['effective-weight']) })),
        el('td', { class: 'num', 'data-label': 'Share', text: percent(b.share) }),
        el('td', { class: 'num', 'data-label': 'Req/s', text: rate(b['requests-per-second'] || 0) }),
        el('td', { class: `num${b['errors-per-second'] > 0 ? ' errors' : ''}`, 'data-label': 'Err/s', text: rate(b['errors-per-second'] || 0) }),
        el('td', { 'data-label': 'Circuit' }, el('span', { class: `circuit ${b.circuit}`, text: b.circuit })));
      return row;
    });
    view.tbody.replaceChildren(...rows);
  }

  // ---- The ring: fetched at display resolution whenever the checksum changes ----
  async function loadRing(view) {
    const wanted = view.checksum;
    if (view.loading === wanted) return;
    view.loading = wanted;
    try {
      const response = await fetch(`/api/dashboard/ring?service=${encodeURIComponent(view.name)}`, { cache: 'no-store' });
      if (!response.ok) throw new Error(`ring of ${view.name}: HTTP ${response.status}`);
      const ring = await response.json();
      if (services.get(view.name) !== view) return;
      drawRing(view, ring);
      // The ring may have changed again while this one was on its way.
      if (ring.checksum !== view.checksum) {
        view.loading = null;
        loadRing(view);
        return;
      }
      if (keyAnswer && keyAnswer.service === view.name) lookUp();
    } catch (e) {
      // Shown, not thrown: the next state document tries again.
      view.ringChecksum = null;
      view.section.dataset.ringError = String(e.message || e);
    } finally {
      if (view.loading === wanted) view.loading = null;
    }
  }

  function drawRing(view, ring) {
    view.ringChecksum = ring.checksum;
    view.section.dataset.ringChecksum = ring.checksum;
    delete view.section.dataset.ringError;
    const byBackend = new Map();
    for (const [start, length, index] of ring.arcs) {
      const id = ring.backends[index];
      byBackend.set(id, (byBackend.get(id) || '') + arcPath(start, length, ring.segments));
    }
    const groups = [];
    const byId = new Map(view.backends.map((b) => [b.id, b]));
    for (const [id, d] of byBackend) {
      const g = svg('g', { class: 'arcs', 'data-backend': id, fill: colour(id) });
      const path = svg('path', { d });
      const title = svg('title', {});
      const b = byId.get(id);
      title.textContent = b ? `${id} (${b.endpoint}) · ${percent(b.share)} of keys` : id;
      path.append(title);
      g.append(path);
      groups.push(g);
    }
    view.arcs.replaceChildren(...groups);
    view.ring.classList.toggle('empty', groups.length === 0);
    markKey(view);
  }

  // The inner ring: each backend that owns keys as one arc of its share, in the table's order.
  function drawShares(view) {
    const groups = [];
    let at = 0;
    for (const b of view.backends) {
      if (!(b.share > 0)) continue;
      const length = Math.min(b.share, 1 - at);
      const g = svg('g', { class: 'shares', 'data-backend': b.id, fill: colour(b.id) });
      const path = svg('path', { d: arcPath(at * 1e6, length * 1e6, 1e6, SHARE_OUTER, SHARE_INNER) });
      const title = svg('title', {});
      title.textContent = `${b.id}: ${percent(b.share)} of keys`;
      path.append(title);
      g.append(path);
      groups.push(g);
      at += length;
    }
    view.shares.replaceChildren(...groups);
    markKey(view);
  }

  // ---- The key box ----
  function keyHighlight(service) {
    const ranks = new Map();
    if (keyAnswer && keyAnswer.service === service) keyAnswer.preference.forEach((p, i) => ranks.set(p.id, i));
    return ranks;
  }

  function markKey(view) {
    const ranks = keyHighlight(view.name);
    view.ring.classList.toggle('has-key', ranks.size > 0);
    for (const g of [...view.arcs.children, ...view.shares.children]) {
      const rank = ranks.get(g.dataset.backend);
      g.classList.toggle('key-owner', rank === 0);
      g.classList.toggle('key-pref', rank > 0);
    }
    for (const row of view.tbody.children) {
      const rank = ranks.get(row.dataset.backend);
      row.classList.toggle('key-owner', rank === 0);
      row.classList.toggle('key-pref', rank > 0);
    }
    view.marks.replaceChildren();
    if (!keyAnswer || keyAnswer.service !== view.name) return;
    const [x1, y1] = point(keyAnswer.fraction, SHARE_INNER - 6);
    const [x2, y2] = point(keyAnswer.fraction, OUTER + 3);
    const line = svg('line', { x1, y1, x2, y2, class: 'key-line' });
    const [cx, cy] = point(keyAnswer.fraction, SHARE_INNER - 6);
    const dot = svg('circle', { cx, cy, r: '3.5', class: 'key-dot' });
    const title = svg('title', {});
    title.textContent = `${keyAnswer.key} at ${keyAnswer.position}`;
    dot.append(title);
    view.marks.append(line, dot);
  }

  let keyTimer = 0;
  function scheduleLookUp() {
    clearTimeout(keyTimer);
    keyTimer = setTimeout(lookUp, 120);
  }

  async function lookUp() {
    const key = $('#key').value;
    const service = $('#key-service').value || 'default';
    const output = $('#key-owner');
    const ticket = ++keyRequest;
    if (key === '') {
      keyAnswer = null;
      output.textContent = '—';
      delete output.dataset.key;
      delete output.dataset.endpoint;
      delete output.dataset.backend;
      $('#key-position').textContent = '';
      $('#key-preference').replaceChildren();
      for (const view of services.values()) markKey(view);
      return;
    }
    try {
      const response = await fetch(`/api/dashboard/key?key=${encodeURIComponent(key)}&service=${encodeURIComponent(service)}`, { cache: 'no-store' });
      if (!response.ok) throw new Error((await response.text()).trim() || `HTTP ${response.status}`);
      const answer = await response.json();
      if (ticket !== keyRequest) return;
      keyAnswer = answer;
      const owner = answer.preference[0];
      output.dataset.key = answer.key;
      output.dataset.service = answer.service;
      output.dataset.endpoint = answer.owner;
      output.dataset.backend = owner ? owner.id : '';
      output.replaceChildren();
      if (owner) {
        const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.background = colour(owner.id);
        output.append(swatch, el('strong', { text: owner.id }), ` ${answer.owner}`);
      } else {
        output.textContent = 'no backend owns keys';
      }
      $('#key-position').textContent = `at ${answer.position} (${percent(answer.fraction)} round the ring of ${answer.service})`;
      $('#key-preference').replaceChildren(...answer.preference.map((p, i) => {
        const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.background = colour(p.id);
        return el('li', { 'data-backend': p.id, class: i === 0 ? 'key-owner' : 'key-pref' }, swatch, `${p.id} `, el('span', { class: 'muted', text: p.endpoint }));
      }));
    } catch (e) {
      if (ticket !== keyRequest) return;
      keyAnswer = null;
      output.textContent = String(e.message || e);
      output.dataset.key = key;
      output.dataset.endpoint = '';
      $('#key-preference').replaceChildren();
    }
    for (const view of services.values()) markKey(view);
  }

  // ---- Recent ring changes ----
  function renderChanges(changes) {
    $('#changes-empty').hidden = changes.length > 0;
    $('#changes-table').hidden = changes.length === 0;
    const rows = changes.map((c) => el('tr', { 'data-service': c.service, 'data-version': String(c.version) },
      el('td', { 'data-label': 'Service', text: c.service }),
      el('td', { 'data-label': 'Version', text: `v${c.version}` }),
      el('td', { 'data-label': 'Checksum' }, el('code', { text: short(c.checksum), title: c.checksum })),
      el('td', { class: 'num', 'data-label': 'Keys moved' },
        el('span', { class: 'moved-bar', 'aria-hidden': 'true' }, el('span', { style: null })), el('span', { text: percent(c.moved) })),
      el('td', { 'data-label': 'Reason', text: c.reason })));
    rows.forEach((row, i) => { $('.moved-bar > span', row).style.width = percent(Math.min(1, changes[i].moved)); });
    $('#changes-table').tBodies[0].replaceChildren(...rows);
  }

  // ---- Live data: the event stream, polling only while it is down ----
  let source = null;
  let pollTimer = 0;
  let retryTimer = 0;

  function setMode(mode, text) {
    const live = $('#live');
    live.dataset.mode = mode;
    live.textContent = text;
  }

  function accept(text) {
    let state;
    try {
      state = JSON.parse(text);
    } catch {
      return;
    }
    if (state && Array.isArray(state.services)) render(state);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!('EventSource' in window)) {
      startPolling();
      return;
    }
    source = new EventSource('/api/dashboard/stream');
    source.addEventListener('state', (event) => {
      stopPolling();
      setMode('live', 'live');
      accept(event.data);
    });
    source.addEventListener('error', () => {
      // The browser retries the stream by itself; meanwhile the page polls. A stream the browser gave up on
      // (closed) is opened again a few seconds later.
      startPolling();
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        retryTimer = setTimeout(connect, RETRY_STREAM_MS);
      }
    });
  }

  function startPolling() {
    if (pollTimer) return;
    setMode('polling', 'polling');
    const poll = async () => {
      try {
        const response = await fetch('/api/dashboard', { cache: 'no-store' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        accept(await response.text());
        if (pollTimer) setMode('polling', 'polling');
      } catch {
        if (pollTimer) setMode('offline', 'offline');
      }
      if (pollTimer) pollTimer = setTimeout(poll, POLL_MS);
    };
    pollTimer = setTimeout(poll, 0);
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = 0;
  }

  // A page whose data stopped coming says so.
  setInterval(() => {
    document.body.classList.toggle('stale', lastState !== null && Date.now() - lastUpdate > STALE_MS);
  }, 1000);

  $('#key').addEventListener('input', scheduleLookUp);
  $('#key-service').addEventListener('change', lookUp);
  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(keyTimer);
    lookUp();
  });

  connect();
})();

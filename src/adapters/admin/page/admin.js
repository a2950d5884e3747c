/* The admin page: plain browser JavaScript, no build step. It polls
 * /admin/api/state once a second with the token the operator typed, keeps
 * the last ten minutes of rows and draws them with uPlot. Text from the
 * server is only ever set as textContent. */
(() => {
  'use strict';

  const API = '/admin/api';
  const TOKEN_KEY = 'asgw-admin-token';
  const POLL_MS = 1000;
  const PALETTE = ['#2457c5', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#0b7285', '#e67700', '#5f3dc4', '#495057', '#a61e4d'];

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let pollTimer;
  let generation = 0;
  const rows = new Map();
  const charts = new Map();
  let newestRow = 0;

  // ------------------------------------------------------------- helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children) if (child !== undefined && child !== null) node.append(child);
    return node;
  }

  const MB = 1024 * 1024;
  const mb = (bytes) => `${Math.round(bytes / MB)} MB`;
  const clock = (ms) => new Date(ms).toLocaleTimeString();
  const num = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

  function duration(ms) {
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  }

  const badge = (state, text) => el('span', { class: `badge ${state}`, text: text || state });

  async function api(method, path, body) {
    const res = await fetch(API + path, {
      method,
      cache: 'no-store',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status === 401) {
      signOut('The token was refused.');
      throw new Error('refused');
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok && !Array.isArray(data.replies)) throw new Error(data.error || data.message || `HTTP ${res.status}`);
    return data;
  }

  // ------------------------------------------------------- sign in / out

  function signOut(message) {
    generation++;
    clearTimeout(pollTimer);
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    rows.clear();
    newestRow = 0;
    for (const chart of charts.values()) chart.plot.destroy();
    charts.clear();
    $('charts').replaceChildren();
    $('dashboard').hidden = true;
    $('login-view').hidden = false;
    $('signout').hidden = true;
    $('who').textContent = '';
    $('updated').textContent = '';
    $('login-error').textContent = message || '';
  }

  async function signIn(candidate) {
    token = candidate;
    try {
      const { name } = await api('POST', '/login');
      sessionStorage.setItem(TOKEN_KEY, token);
      $('login-error').textContent = '';
      $('login-view').hidden = true;
      $('dashboard').hidden = false;
      $('signout').hidden = false;
      $('who').textContent = `signed in as ${name}`;
      const mine = ++generation;
      poll(mine);
    } catch (err) {
      if (err.message !== 'refused') $('login-error').textContent = `Could not sign in: ${err.message}`;
    }
  }

  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token').value.trim();
    $('token').value = '';
    if (value !== '') void signIn(value);
  });
  $('signout').addEventListener('click', () => signOut(''));

  // ----------------------------------------------------------------- poll

  async function poll(mine) {
    try {
      const since = newestRow > 0 ? newestRow - 5000 : 0;
      const state = await api('GET', `/state?since=${since}`);
      if (mine !== generation) return;
      render(state);
      $('updated').textContent = `updated ${clock(state.now)}`;
    } catch (err) {
      if (mine !== generation) return;
      if (err.message !== 'refused') $('updated').textContent = `update failed: ${err.message}`;
    }
    if (mine === generation) pollTimer = setTimeout(() => poll(mine), POLL_MS);
  }

  function render(state) {
    for (const row of state.rows) {
      rows.set(row.t, row);
      newestRow = Math.max(newestRow, row.t);
    }
    for (const t of rows.keys()) if (t < state.now - state.windowMs) rows.delete(t);
    const sorted = [...rows.values()].sort((a, b) => a.t - b.t);
    renderSummary(state, sorted.at(-1));
    renderWorkers(state);
    renderHealth(state);
    renderCharts(sorted, state);
  }

  function renderSummary(state, last) {
    const cards = [
      ['workers', state.totals.workers],
      ['connected clients', state.totals.clients],
      ['logged in', state.presenceError ? '?' : state.totals.loggedIn],
      ['pushes held awaiting ack', state.totals.heldPushes],
      ['messages in /s', last ? num(last.messagesIn) : 0],
      ['messages out /s', last ? num(last.messagesOut) : 0],
      ['re-sends /s', last ? num(last.resends) : 0],
      ['requeues /s', last ? num(last.requeues) : 0],
    ];
    $('summary').replaceChildren(...cards.map(([label, value]) =>
      el('div', { class: 'card', 'data-card': label }, el('div', { class: 'value', text: String(value) }), el('div', { class: 'label', text: label }))));
  }

  function memoryCell(bytes, limitMb, warnMb) {
    if (!limitMb) return el('td', {}, `${mb(bytes)} (no limit)`);
    const max = limitMb * MB;
    return el('td', {},
      el('meter', { min: 0, max, value: Math.min(bytes, max), ...(warnMb ? { high: Math.min(warnMb * MB, max) } : {}), optimum: 0 }),
      `${mb(bytes)} / ${limitMb} MB`);
  }

  function renderWorkers(state) {
    const body = [];
    for (const instance of state.instances) {
      const supervisor = instance.supervisorPid ? `supervisor pid ${instance.supervisorPid}, ` : '';
      body.push(el('tr', { class: 'instance' }, el('td', { colspan: 9, text: `${instance.name} — ${supervisor}${instance.workers.length} worker(s)` })));
      for (const w of instance.workers) {
        const state = !w.answering ? badge('silent', `not answering since ${clock(w.lastSeen)}`) : w.draining ? badge('draining') : badge('serving');
        body.push(el('tr', { class: 'worker', 'data-pid': w.pid, 'data-instance': w.instance },
          el('td', { text: `pid ${w.pid}`, title: w.instance }),
          el('td', {}, state),
          el('td', { class: 'num', text: duration(w.uptimeMs) }),
          el('td', { class: 'num clients', text: String(w.clients) }),
          el('td', { class: 'num', text: w.loggedIn === undefined ? '?' : String(w.loggedIn) }),
          el('td', { class: 'num', text: String(w.heldPushes) }),
          memoryCell(w.memory.heapUsed, w.limits.heapUsedLimitMb, 0),
          memoryCell(w.memory.rss, w.limits.rssLimitMb, w.limits.rssWarningMb),
          el('td', { class: 'num', text: `${num(w.loopLagMs)} ms` })));
      }
    }
    if (body.length === 0) body.push(el('tr', {}, el('td', { colspan: 9, class: 'muted', text: 'no worker answered yet' })));
    $('workers').tBodies[0].replaceChildren(...body);

    const silent = $('silent');
    const notes = state.silentInPresence.map((p) => `${p.instance} (${p.clients} clients)`);
    if (state.presenceError) notes.push(`presence unreadable: ${state.presenceError}`);
    silent.hidden = notes.length === 0;
    silent.textContent = state.presenceError && state.silentInPresence.length === 0
      ? notes.join('; ')
      : `In presence but not answering: ${notes.join(', ')}`;
  }

  function renderHealth(state) {
    const workers = state.instances.flatMap((i) => i.workers.map((w) => ({ instance: i.name, w })));
    const names = [...new Set(workers.flatMap(({ w }) => w.health.map((h) => h.name)))];
    $('health').tHead.replaceChildren(el('tr', {}, el('th', { text: 'worker' }), ...names.map((n) => el('th', { text: n }))));
    $('health').tBodies[0].replaceChildren(...workers.map(({ instance, w }) =>
      el('tr', { 'data-pid': w.pid },
        el('td', { text: `${instance} pid ${w.pid}` }),
        ...names.map((name) => {
          const h = w.health.find((x) => x.name === name);
          if (!h) return el('td', { class: 'muted', text: '—' });
          return el('td', { title: h.detail || '' }, badge(h.state), ` since ${clock(h.since)} (${duration(state.now - h.since)} ago)`);
        }))));
  }

  // --------------------------------------------------------------- charts

  const CHARTS = [
    { id: 'clients', title: 'Connected clients, per worker', perWorker: true },
    { id: 'messages', title: 'Messages per second', fixed: [['in', (r) => r.messagesIn], ['out', (r) => r.messagesOut]] },
    { id: 'held', title: 'Pushes held awaiting ack', fixed: [['held', (r) => r.heldPushes]] },
    { id: 'redelivery', title: 'Re-sends and requeues per second', fixed: [['re-sends', (r) => r.resends], ['requeues', (r) => r.requeues]] },
    { id: 'errors', title: 'gatewayError per second, by code', map: 'errors' },
    { id: 'publish', title: 'Publish failures per second, by reason', map: 'publishFailures' },
    { id: 'closes', title: 'Closed sockets per second, by reason', map: 'closes' },
  ];

  function seriesOf(def, sorted, state) {
    if (def.fixed) return def.fixed;
    if (def.perWorker) {
      const pids = new Map(state.instances.flatMap((i) => i.workers.map((w) => [w.instance, `pid ${w.pid}`])));
      const keys = [...new Set(sorted.flatMap((r) => Object.keys(r.clients)))].sort();
      return keys.map((k) => [pids.get(k) || k, (r) => (r.clients[k] === undefined ? null : r.clients[k])]);
    }
    const keys = [...new Set(sorted.flatMap((r) => Object.keys(r[def.map])))].sort();
    if (keys.length === 0) return [['none', () => 0]];
    return keys.map((k) => [k, (r) => r[def.map][k] || 0]);
  }

  function renderCharts(sorted, state) {
    const host = $('charts');
    const xs = sorted.map((r) => r.t / 1000);
    for (const def of CHARTS) {
      const series = seriesOf(def, sorted, state);
      const data = [xs, ...series.map(([, value]) => sorted.map(value))];
      const signature = series.map(([label]) => label).join('|');
      let chart = charts.get(def.id);
      if (chart && chart.signature !== signature) {
        chart.plot.destroy();
        chart.box.remove();
        charts.delete(def.id);
        chart = undefined;
      }
      if (!chart) {
        const box = el('div', { class: 'chart', 'data-chart': def.id });
        const before = CHARTS.slice(CHARTS.indexOf(def) + 1).map((d) => charts.get(d.id)?.box).find(Boolean);
        host.insertBefore(box, before || null);
        const plot = new uPlot({
          title: def.title,
          width: Math.max(300, box.clientWidth - 8),
          height: 170,
          // At least two minutes across, so a young deployment's few seconds are not stretched over the width.
          scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, max - 120), max] } },
          axes: [{}, { size: 50 }],
          series: [{}, ...series.map(([label], i) => ({ label, stroke: PALETTE[i % PALETTE.length], width: 1.5, points: { show: false } }))],
        }, data, box);
        chart = { plot, box, signature };
        charts.set(def.id, chart);
      } else {
        chart.plot.setData(data);
      }
    }
  }

  window.addEventListener('resize', () => {
    for (const chart of charts.values()) chart.plot.setSize({ width: Math.max(300, chart.box.clientWidth - 8), height: 170 });
  });

  // ------------------------------------------------------------- commands

  async function run(line, shown) {
    const buttons = [...document.querySelectorAll('#commands button')];
    buttons.forEach((b) => { b.disabled = true; });
    $('command-line').textContent = `${shown} — waiting for the workers' replies…`;
    $('replies').tBodies[0].replaceChildren();
    try {
      const result = await api('POST', '/command', { line });
      const count = result.replies.length;
      $('command-line').textContent = result.error
        ? `${result.command}: ${result.error}`
        : `${result.command}: ${count} ${count === 1 ? 'reply' : 'replies'}${count === 0 ? ' (no worker answered in time)' : ''}`;
      $('replies').tBodies[0].replaceChildren(...result.replies.map((r) =>
        el('tr', { 'data-pid': r.pid },
          el('td', { text: r.instance }),
          el('td', { class: 'num', text: String(r.pid) }),
          el('td', { text: r.command }),
          el('td', { class: r.ok ? 'ok' : 'failed', text: r.ok ? 'ok' : 'FAILED' }),
          el('td', { class: 'num clients', text: r.clients === undefined ? '' : String(r.clients) }),
          el('td', { text: r.error || '' }))));
    } catch (err) {
      if (err.message !== 'refused') $('command-line').textContent = `${shown}: ${err.message}`;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  const msOf = (id) => {
    const v = $(id).value.trim();
    return v === '' ? '' : ` ${Math.floor(Number(v))}`;
  };

  $('cmd-clientcount').addEventListener('click', () => run('clientcount', 'clientcount'));
  $('cmd-loglevel').addEventListener('click', () => run(`loglevel ${$('loglevel').value}`, `loglevel ${$('loglevel').value}`));
  $('cmd-resend').addEventListener('click', () => {
    const line = `clientmessageresendinterval${msOf('resend-ms')}`;
    run(line, line);
  });
  $('cmd-restart').addEventListener('click', () => {
    const line = `restart ${$('restart-mode').value}${msOf('restart-ms')}`;
    if (window.confirm(`Restart every worker of every instance (${line})?`)) run(line, line);
  });
  $('cmd-shutdown').addEventListener('click', () => {
    const code = $('shutdown-code').value.trim();
    if (code === '') {
      $('command-line').textContent = 'shutdown needs the shutdown code (frontend.shutdownCode)';
      return;
    }
    const rest = `${$('shutdown-mode').value}${msOf('shutdown-ms')}`;
    $('shutdown-code').value = '';
    if (window.confirm(`Shut down every instance (${rest})? Nothing restarts them.`)) run(`shutdown ${code} ${rest}`, `shutdown *** ${rest}`);
  });

  if (token) void signIn(token);
  else $('token').focus();
})();

// The API Integration Dashboard: draws GET /v1/dashboard, refreshed live from the event stream (SSE with a single-use
// ticket, since an EventSource cannot send the API key) and by a slow poll as the fallback. Plain JavaScript, no build
// step, no CDN.
(function () {
  'use strict';

  const KEY = 'smackdab.dashboard.apiKey';
  const ORG = 'smackdab.dashboard.organizationId';
  const params = new URLSearchParams(location.search);
  const intervalMs = Math.max(1, Number(params.get('interval')) || 30) * 1000;
  // After a change arrives: refresh shortly (bursts coalesce), and once more when the write's own request record has
  // reached the per-minute rollups (written in the background, within a moment of the response).
  const changeDelayMs = 250, followUpDelayMs = 2000, maxReconnectMs = 60000;
  const $ = (id) => document.getElementById(id);
  const svgNs = 'http://www.w3.org/2000/svg';
  let timer = null;
  let source = null, liveTimer = null, reconnectMs = 1000, changeTimer = null, followUpTimer = null, liveEvents = 0;

  const fmt = {
    count: (n) => (n == null ? '–' : Number(n).toLocaleString('en-US')),
    percent: (v) => (v == null ? '–' : v.toFixed(1) + '%'),
    ms: (v) => (v == null ? '–' : v.toFixed(1) + ' ms'),
    time: (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '–'),
  };

  function credentials() {
    return { apiKey: sessionStorage.getItem(KEY), organizationId: sessionStorage.getItem(ORG) };
  }

  function setStatus(text, isError) {
    const status = $('status');
    status.textContent = text;
    status.className = isError ? 'error' : '';
  }

  function randomKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return 'dash_' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function call(method, path) {
    const { apiKey, organizationId } = credentials();
    const headers = { 'X-API-Key': apiKey, 'X-Organization-ID': organizationId, Accept: 'application/json' };
    if (method === 'POST') {
      headers['Idempotency-Key'] = randomKey();
    }
    const response = await fetch(path, { method, headers, cache: 'no-store' });
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error ? body.error.code + ': ' + body.error.message : 'HTTP ' + response.status;
      throw new Error(message);
    }
    return body.data;
  }

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text != null) {
      node.textContent = text;
    }
    return node;
  }

  function svgEl(tag, attributes, text) {
    const node = document.createElementNS(svgNs, tag);
    Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text != null) {
      node.textContent = text;
    }
    return node;
  }

  // Bars of `value` (and `errors` drawn over them in red), labelled every `labelEvery` points.
  function barChart(svg, points, value, errors, label, labelEvery) {
    svg.replaceChildren();
    const width = 600, height = 180, left = 36, bottom = 20, top = 8;
    const max = Math.max(1, ...points.map(value));
    const step = (width - left) / Math.max(1, points.length);
    const scale = (v) => ((height - bottom - top) * v) / max;
    svg.appendChild(svgEl('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    svg.appendChild(svgEl('text', { x: 0, y: top + 8 }, fmt.count(max)));
    svg.appendChild(svgEl('text', { x: 0, y: height - bottom }, '0'));
    points.forEach((p, i) => {
      const x = left + i * step + 1, w = Math.max(1, step - 2);
      const h = scale(value(p));
      const bar = svgEl('rect', { class: 'bar', x, y: height - bottom - h, width: w, height: h });
      bar.appendChild(svgEl('title', {}, label(p) + ': ' + fmt.count(value(p)) + ' calls, ' + fmt.count(errors(p)) + ' errors'));
      svg.appendChild(bar);
      const e = scale(errors(p));
      if (e > 0) {
        svg.appendChild(svgEl('rect', { class: 'bar err', x, y: height - bottom - e, width: w, height: e }));
      }
      if (i % labelEvery === 0) {
        svg.appendChild(svgEl('text', { x, y: height - 6 }, label(p)));
      }
    });
  }

  function lineChart(svg, points, value, label, labelEvery) {
    svg.replaceChildren();
    const width = 600, height = 180, left = 36, bottom = 20, top = 8;
    const values = points.map(value);
    const max = Math.max(1, ...values.filter((v) => v != null));
    const step = (width - left) / Math.max(1, points.length - 1);
    svg.appendChild(svgEl('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    svg.appendChild(svgEl('text', { x: 0, y: top + 8 }, Math.round(max) + ' ms'));
    let path = '';
    values.forEach((v, i) => {
      if (v == null) {
        return;
      }
      const x = left + i * step, y = height - bottom - ((height - bottom - top) * v) / max;
      path += (path ? ' L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
      const dot = svgEl('circle', { cx: x, cy: y, r: 2.5, fill: '#8250df' });
      dot.appendChild(svgEl('title', {}, label(points[i]) + ': ' + fmt.ms(v)));
      svg.appendChild(dot);
    });
    if (path) {
      svg.appendChild(svgEl('path', { class: 'line', d: path }));
    }
    points.forEach((p, i) => {
      if (i % labelEvery === 0) {
        svg.appendChild(svgEl('text', { x: left + i * step, y: height - 6 }, label(p)));
      }
    });
  }

  const hourLabel = (p) => p.at.slice(11, 16);

  function render(data) {
    const health = data.system_health;
    $('total-calls').textContent = fmt.count(health.total_api_calls);
    $('success-rate').textContent = fmt.percent(health.success_rate);
    $('avg-response').textContent = fmt.ms(health.average_response_time_ms);
    $('percentiles').textContent = fmt.ms(health.p95_response_time_ms) + ' / ' + fmt.ms(health.p99_response_time_ms);
    $('error-rate').textContent = fmt.percent(health.error_rate) + ' (' + fmt.count(health.error_count) + ' errors)';
    $('breaker-status').textContent = health.circuit_breaker_status;

    const issues = $('issues');
    issues.replaceChildren();
    data.critical_issues.forEach((issue) => {
      const item = el('li', { class: issue.severity, 'data-kind': issue.kind }, issue.message + (issue.action_required ? ' — ' + issue.action_required : ''));
      issues.appendChild(item);
    });
    if (data.critical_issues.length === 0) {
      issues.appendChild(el('li', { class: 'none' }, 'Nothing needs action'));
    }

    barChart($('calls-chart'), data.timeline, (p) => p.calls, (p) => p.errors, hourLabel, 3);
    lineChart($('latency-chart'), data.timeline, (p) => p.average_response_time_ms, hourLabel, 3);
    barChart($('recent-chart'), data.recent_timeline, (p) => p.calls, (p) => p.errors, hourLabel, 10);

    const errors = $('errors').tBodies[0];
    errors.replaceChildren();
    data.top_errors.forEach((e) => {
      const row = el('tr', { 'data-code': e.code });
      row.appendChild(el('td', { class: 'code' }, e.code));
      row.appendChild(el('td', { class: 'count' }, fmt.count(e.count)));
      row.appendChild(el('td', { class: 'share' }, fmt.percent(e.share)));
      const bar = el('td');
      const share = el('span', { class: 'share' });
      share.style.width = Math.round(e.share) + 'px';
      bar.appendChild(share);
      row.appendChild(bar);
      errors.appendChild(row);
    });

    const integrations = $('integrations').tBodies[0];
    integrations.replaceChildren();
    data.integrations.forEach((i) => {
      const row = el('tr', { 'data-integration-id': i.id });
      row.appendChild(el('td', { class: 'name' }, i.name + ' (' + i.type + ')'));
      const status = el('td', { class: 'status' });
      status.appendChild(el('span', { class: 'badge ' + i.status }, i.status));
      row.appendChild(status);
      const circuit = el('td', { class: 'circuit' });
      circuit.appendChild(el('span', { class: 'badge ' + i.circuit_state }, i.circuit_state));
      row.appendChild(circuit);
      row.appendChild(el('td', { class: 'last-sync' }, fmt.time(i.last_sync || i.last_successful_call)));
      row.appendChild(el('td', { class: 'success' }, fmt.percent(i.success_rate)));
      row.appendChild(el('td', { class: 'avg' }, fmt.ms(i.average_response_time_ms)));
      row.appendChild(el('td', { class: 'volume' }, fmt.count(i.daily_volume)));
      row.appendChild(el('td', { class: 'issue' }, [i.issue, i.action_required].filter(Boolean).join(' — ')));
      const actions = el('td');
      const reset = el('button', { type: 'button', class: 'reset' }, 'Reset breaker');
      reset.disabled = i.circuit_state === 'CLOSED';
      reset.addEventListener('click', () => resetBreaker(i, reset));
      actions.appendChild(reset);
      row.appendChild(actions);
      integrations.appendChild(row);
    });
    if (data.integrations.length === 0) {
      const row = el('tr');
      row.appendChild(el('td', { colspan: '9' }, 'No integrations'));
      integrations.appendChild(row);
    }

    const webhooks = data.webhook_performance, sync = data.inventory_sync_metrics;
    fill($('webhooks'), [
      ['Delivery success rate', fmt.percent(webhooks.delivery_success_rate)],
      ['Average delivery time', fmt.ms(webhooks.average_delivery_time_ms)],
      ['Delivered (24 h)', fmt.count(webhooks.delivered_deliveries_24h)],
      ['Failed deliveries (24 h)', fmt.count(webhooks.failed_deliveries_24h)],
      ['Retry success rate', fmt.percent(webhooks.retry_success_rate)],
      ['Pending', fmt.count(webhooks.pending_deliveries)],
    ]);
    fill($('sync'), [
      ['Real-time updates (24 h)', fmt.count(sync.real_time_updates), 'real_time_updates'],
      ['Polling fallbacks (24 h)', fmt.count(sync.polling_fallbacks), 'polling_fallbacks'],
      ['Full syncs (24 h)', fmt.count(sync.full_syncs), 'full_syncs'],
      ['Data consistency', fmt.percent(sync.data_consistency), 'data_consistency'],
      ['Sync jobs completed (24 h)', fmt.count(sync.sync_jobs_completed_24h), 'sync_jobs_completed_24h'],
      ['Records synced (24 h)', fmt.count(sync.records_synced_24h), 'records_synced_24h'],
      ['Sync jobs failing', fmt.count(sync.sync_jobs_failing), 'sync_jobs_failing'],
      ['Open conflicts', fmt.count(sync.open_conflicts), 'open_conflicts'],
    ]);

    const endpoints = $('endpoints').tBodies[0];
    endpoints.replaceChildren();
    data.endpoints.forEach((e) => {
      const row = el('tr');
      [e.method + ' /' + e.route, fmt.count(e.request_volume), fmt.percent(e.success_rate), fmt.ms(e.average_response_time_ms),
        fmt.ms(e.p95_response_time_ms), fmt.ms(e.p99_response_time_ms)].forEach((t) => row.appendChild(el('td', {}, t)));
      endpoints.appendChild(row);
    });

    document.body.dataset.generatedAt = data.generated_at;
  }

  function fill(list, pairs) {
    list.replaceChildren();
    pairs.forEach(([name, value, key]) => {
      list.appendChild(el('dt', {}, name));
      list.appendChild(el('dd', key ? { 'data-figure': key } : {}, value));
    });
  }

  async function resetBreaker(integration, button) {
    button.disabled = true;
    try {
      const result = await call('POST', '/v1/integrations/' + encodeURIComponent(integration.id) + '/circuit-breaker/reset');
      setStatus(integration.name + ': circuit breaker reset to ' + result.circuit_state + ' (' + result.test_calls_allowed + ' test calls allowed)', false);
      await refresh(true);
    } catch (e) {
      setStatus('Reset of ' + integration.name + ' failed: ' + e.message, true);
      button.disabled = false;
    }
  }

  async function refresh(keepStatus) {
    try {
      const data = await call('GET', '/v1/dashboard');
      render(data);
      $('board').hidden = false;
      if (!keepStatus) {
        const how = source && source.readyState === EventSource.OPEN ? 'live, polled every ' : 'refreshes every ';
        setStatus('Updated ' + fmt.time(data.generated_at) + ' · ' + how + intervalMs / 1000 + ' s', false);
      }
    } catch (e) {
      setStatus('Could not load the dashboard: ' + e.message, true);
    }
  }

  function setLive(state, text) {
    document.body.dataset.live = state;
    const live = $('live');
    live.textContent = text;
    live.className = 'live ' + state;
  }

  function closeLive() {
    clearTimeout(liveTimer);
    if (source) {
      source.close();
      source = null;
    }
  }

  // A change in the organization's feed: refresh soon, coalescing bursts, and once more a little later.
  function changed() {
    liveEvents += 1;
    document.body.dataset.liveEvents = String(liveEvents);
    if (!changeTimer) {
      changeTimer = setTimeout(() => {
        changeTimer = null;
        refresh(false);
      }, changeDelayMs);
    }
    clearTimeout(followUpTimer);
    followUpTimer = setTimeout(() => refresh(false), followUpDelayMs);
  }

  async function connectLive() {
    closeLive();
    let ticket;
    try {
      ticket = await call('POST', '/v1/dashboard/stream-ticket');
    } catch (e) {
      if (e.message.startsWith('PERMISSION_DENIED') || e.message.startsWith('AUTHENTICATION_FAILED')) {
        // E.g. a key without inventory.products.read: the page keeps polling, and says why.
        setLive('off', 'Polling only (' + e.message + ')');
        return;
      }
      retryLive('Live updates unavailable (' + e.message + '); polling');
      return;
    }
    const stream = new EventSource(ticket.stream_url);
    source = stream;
    ticket.event_names.forEach((name) => stream.addEventListener(name, changed));
    stream.onmessage = changed;
    stream.onopen = () => {
      reconnectMs = 1000;
      setLive('open', 'Live');
      // Whatever changed while the stream was down.
      refresh(true);
    };
    stream.onerror = () => {
      // A ticket works once, so the browser's own reconnect would be refused: close it and take a new ticket.
      if (source === stream) {
        retryLive('Reconnecting… (polling meanwhile)');
      }
    };
  }

  function retryLive(text) {
    closeLive();
    setLive('reconnecting', text);
    liveTimer = setTimeout(connectLive, reconnectMs);
    reconnectMs = Math.min(reconnectMs * 2, maxReconnectMs);
  }

  function stop() {
    clearTimeout(timer);
    clearTimeout(changeTimer);
    clearTimeout(followUpTimer);
    changeTimer = null;
    closeLive();
    setLive('off', '');
  }

  function start() {
    stop();
    const loop = async () => {
      await refresh(false);
      timer = setTimeout(loop, intervalMs);
    };
    loop().then(connectLive);
  }

  $('connect').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $('api-key').value.trim());
    sessionStorage.setItem(ORG, $('organization-id').value.trim());
    $('api-key').value = '';
    start();
  });

  $('forget-button').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ORG);
    stop();
    $('board').hidden = true;
    setStatus('Not connected', false);
  });

  const saved = credentials();
  if (saved.apiKey && saved.organizationId) {
    $('organization-id').value = saved.organizationId;
    start();
  }
})();

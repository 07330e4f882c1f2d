// SPDX-License-Identifier: GPL-3.0-or-later
// The LAN status page: reads /api/v1/ on the server that sent it, nothing else.
'use strict';

const ATOMIC_PER_XMR = 1000000000000n;
const $ = (id) => document.getElementById(id);
let chartRange = '1h';
let chartPoints = [];

function formatHashrate(h) {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s'];
  let i = 0;
  while (h >= 1000 && i < units.length - 1) {
    h /= 1000;
    i++;
  }
  return (i === 0 ? String(Math.round(h)) : String(Number(h.toFixed(h < 10 ? 2 : 1)))) + ' ' + units[i];
}

// Amounts arrive as integers in atomic units; BigInt keeps every digit.
function formatXmr(atomic) {
  const a = BigInt(atomic);
  const whole = a / ATOMIC_PER_XMR;
  let frac = (a % ATOMIC_PER_XMR).toString().padStart(12, '0').replace(/0+$/, '');
  return whole.toString() + (frac ? '.' + frac : '') + ' XMR';
}

function formatNumber(n) {
  return Number(n).toLocaleString('en-US');
}

// Difficulty in a phone-sized card: 288 G rather than 288,000,000,000.
function formatCompact(n) {
  const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, unit] of units)
    if (n >= size) return Number((n / size).toPrecision(3)) + ' ' + unit;
  return String(n);
}

function formatAgo(unix) {
  if (unix === null || unix === undefined)
    return 'never';
  const s = Math.max(0, Math.round(Date.now() / 1000 - unix));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  if (s < 86400) return Math.floor(s / 3600) + ' h ago';
  return Math.floor(s / 86400) + ' d ago';
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  const body = await response.json();
  if (!response.ok)
    throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

function setText(id, text) {
  $(id).textContent = text;
}

function fillRows(tbody, rows, empty) {
  tbody.replaceChildren();
  if (rows.length === 0 && empty) {
    const td = document.createElement('td');
    td.colSpan = tbody.parentElement.tHead.rows[0].cells.length;
    td.className = 'empty';
    td.textContent = empty;
    tbody.append(document.createElement('tr'));
    tbody.rows[0].append(td);
    return;
  }
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      if (typeof cell === 'object') {
        td.textContent = cell.text;
        td.className = cell.className || '';
        if (cell.title) td.title = cell.title;
      } else {
        td.textContent = cell;
      }
      tr.append(td);
    }
    tbody.append(tr);
  }
}

async function loadSummary() {
  try {
    const s = await getJson('/api/v1/summary');
    setText('pool-hashrate', formatHashrate(s.pool.hashrate['10m']));
    setText('miners-online', formatNumber(s.pool.miners_online));
    setText('node-height', formatNumber(s.node.height));
    setText('network-difficulty', formatCompact(s.node.difficulty));
    $('network-difficulty').title = formatNumber(s.node.difficulty);
    setText('round-effort', s.pool.round_effort_percent === null ? '–'
            : s.pool.round_effort_percent.toFixed(1) + ' %');
    setText('last-block', s.last_block ? formatNumber(s.last_block.height) + ', '
            + formatAgo(s.last_block.time) : 'none yet');
    setText('status', (s.node.reachable ? 'Node reachable' : 'Node unreachable')
            + ' · ' + (s.status || 'starting') + ' · ' + s.pool.mode);
    $('status').classList.toggle('bad', !s.node.reachable);
  } catch (e) {
    setText('status', 'Cannot reach the pool: ' + e.message);
    $('status').classList.add('bad');
  }
}

async function loadBlocks() {
  try {
    const b = await getJson('/api/v1/blocks');
    fillRows($('blocks').tBodies[0], b.blocks.map((x) => [
      { text: formatNumber(x.height), title: x.id },
      formatAgo(x.time),
      formatXmr(x.reward),
      x.effort_percent + ' %',
      x.state,
    ]));
    $('blocks-empty').hidden = b.blocks.length > 0;
  } catch (e) {
    $('blocks-empty').hidden = false;
    setText('blocks-empty', 'Cannot load blocks: ' + e.message);
  }
}

// --- chart, drawn by hand on a canvas ---

function niceCeiling(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10])
    if (m * p >= v) return m * p;
  return 10 * p;
}

function drawChart() {
  const canvas = $('chart');
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const style = getComputedStyle(document.documentElement);
  const fg = style.getPropertyValue('--muted'), line = style.getPropertyValue('--line');
  const accent = style.getPropertyValue('--accent'), fill = style.getPropertyValue('--accent-fill');
  ctx.clearRect(0, 0, width, height);
  ctx.font = '12px system-ui, sans-serif';
  canvas.dataset.points = String(chartPoints.length);
  canvas.dataset.range = chartRange;
  if (chartPoints.length < 2) {
    ctx.fillStyle = fg;
    ctx.textAlign = 'center';
    ctx.fillText('No hashrate recorded in this range yet', width / 2, height / 2);
    canvas.dataset.drawn = 'empty';
    return;
  }
  const left = 64, right = 12, top = 12, bottom = 24;
  const t0 = chartPoints[0].time, t1 = chartPoints[chartPoints.length - 1].time;
  const ymax = niceCeiling(Math.max(...chartPoints.map((p) => p.hashrate)));
  const x = (t) => left + (t - t0) / Math.max(1, t1 - t0) * (width - left - right);
  const y = (h) => top + (1 - h / ymax) * (height - top - bottom);

  ctx.strokeStyle = line;
  ctx.fillStyle = fg;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const h = ymax * i / 4;
    ctx.beginPath();
    ctx.moveTo(left, Math.round(y(h)) + 0.5);
    ctx.lineTo(width - right, Math.round(y(h)) + 0.5);
    ctx.stroke();
    ctx.fillText(formatHashrate(h), left - 6, y(h));
  }
  ctx.textBaseline = 'top';
  for (const [t, align] of [[t0, 'left'], [t1, 'right']]) {
    ctx.textAlign = align;
    ctx.fillText(new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
                 x(t), height - bottom + 6);
  }

  ctx.beginPath();
  chartPoints.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(p.time), y(p.hashrate)));
  ctx.strokeStyle = accent;
  ctx.lineWidth = 2;
  ctx.stroke();
  ctx.lineTo(x(t1), y(0));
  ctx.lineTo(x(t0), y(0));
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
  canvas.dataset.drawn = 'line';
}

async function loadHistory() {
  try {
    const h = await getJson('/api/v1/history?range=' + chartRange);
    chartPoints = h.points;
  } catch (e) {
    chartPoints = [];
  }
  drawChart();
}

function chooseRange(button) {
  chartRange = button.dataset.range;
  for (const b of document.querySelectorAll('.range button'))
    b.setAttribute('aria-pressed', String(b === button));
  loadHistory();
}

// --- a member's own figures ---

function addressFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  return (params.get('address') || '').trim();
}

async function loadMiner(address) {
  if (!address) return;
  const error = $('miner-error');
  try {
    const m = await getJson('/api/v1/miner/' + encodeURIComponent(address));
    error.hidden = true;
    $('miner').hidden = false;
    $('miner-unknown').hidden = m.known;
    setText('miner-hashrate', formatHashrate(m.hashrate['10m']));
    setText('miner-balance', formatXmr(m.balance.balance));
    $('miner-balance').dataset.atomic = String(m.balance.balance);
    setText('miner-paid', formatXmr(m.balance.paid));
    $('miner-paid').dataset.atomic = String(m.balance.paid);
    fillRows($('miner-workers').tBodies[0], m.workers.map((w) => [
      w.name, formatHashrate(w.hashrate['10m']), formatAgo(w.last_share), formatNumber(w.accepted),
    ]), 'No rig connected with this address.');
    fillRows($('miner-payments').tBodies[0], m.payments.map((p) => [
      formatAgo(p.time), formatXmr(p.amount), p.state,
      { text: p.tx_hash ? p.tx_hash.slice(0, 12) + '…' : '–', className: 'hash', title: p.tx_hash || '' },
    ]), 'No payments yet.');
    $('miner').dataset.address = m.address;
  } catch (e) {
    $('miner').hidden = true;
    error.hidden = false;
    error.textContent = e.message;
  }
}

function onSubmit(event) {
  event.preventDefault();
  const address = $('address').value.trim();
  history.replaceState(null, '', '#address=' + encodeURIComponent(address));
  loadMiner(address);
}

function start() {
  $('miner-form').addEventListener('submit', onSubmit);
  for (const b of document.querySelectorAll('.range button'))
    b.addEventListener('click', () => chooseRange(b));
  window.addEventListener('resize', drawChart);
  window.addEventListener('hashchange', () => {
    $('address').value = addressFromHash();
    loadMiner($('address').value);
  });
  $('address').value = addressFromHash();
  loadSummary();
  loadBlocks();
  loadHistory();
  loadMiner($('address').value);
  setInterval(loadSummary, 10000);
  setInterval(loadBlocks, 30000);
  setInterval(loadHistory, 60000);
  setInterval(() => loadMiner($('address').value.trim()), 30000);
}

start();

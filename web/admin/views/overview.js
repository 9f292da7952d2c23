/** Overview: modem counts, SMS per minute, open orders, webhook lag, errors, 24 h chart, live activity. */
import { get } from '../api.js';
import { fill, h, panel, time } from '../dom.js';
import { recentEvents } from '../recent.js';
import { coalesce } from '../ui.js';
import { smsPerHourChart } from './chart.js';
import { eventList } from './events.js';

function stat(label, value, kind = '') {
  return h(
    'div',
    { class: `stat ${kind}` },
    h('span', { class: 'stat-value' }, String(value)),
    h('span', { class: 'stat-label' }, label),
  );
}

function stats(o) {
  const lag = o.webhook_lag_seconds;
  return h(
    'div',
    { class: 'stats', 'data-testid': 'overview-stats' },
    stat('modems ready', o.modems.ready, 'good'),
    stat('degraded', o.modems.degraded, o.modems.degraded ? 'warn' : ''),
    stat('offline', o.modems.offline, o.modems.offline ? 'bad' : ''),
    stat('SMS in / last min', o.sms_in_last_minute),
    stat('SMS out / last min', o.sms_out_last_minute),
    stat('open orders', o.open_orders),
    stat(
      'webhook lag',
      typeof lag === 'number' ? `${Math.round(lag)} s` : '—',
      lag > 60 ? 'warn' : '',
    ),
  );
}

function errorsList(errors) {
  if (!errors.length) return h('p', { class: 'empty' }, 'No recent errors.');
  return h(
    'ol',
    { class: 'events' },
    errors.map((e) =>
      h(
        'li',
        { class: 'event event-error' },
        time(e.at),
        h('strong', {}, e.source),
        h('span', { class: 'event-text' }, e.message),
      ),
    ),
  );
}

function systemLine(s) {
  const hours = Math.floor(s.uptime_seconds / 3600);
  const minutes = Math.floor((s.uptime_seconds % 3600) / 60);
  return h(
    'p',
    { class: 'hint' },
    `simpool ${s.version} · up ${hours} h ${minutes} min · database ${s.health?.database ? 'ok' : 'NOT writable'}`,
  );
}

/** The chart panel's inner width: the page's, less the padding around it. */
function chartWidth() {
  return Math.min(document.documentElement.clientWidth, 1280) - 64;
}

export async function render(root) {
  const [overview, hourly, system] = await Promise.all([
    get('/overview'),
    get('/stats/sms-per-hour'),
    get('/system').catch(() => null),
  ]);
  const statsBox = h('div', {}, stats(overview));
  const errorsBox = h('div', {}, errorsList(overview.recent_errors ?? []));
  const chartBox = h('div', {}, smsPerHourChart(hourly.data ?? [], chartWidth()));
  const activity = eventList();
  for (const event of recentEvents().reverse()) activity.prepend(event);
  fill(
    root,
    h('h1', {}, 'Overview'),
    system ? systemLine(system) : null,
    statsBox,
    h(
      'div',
      { class: 'columns' },
      panel('Live activity', activity.element),
      panel('Recent errors', errorsBox),
    ),
    panel('SMS per hour, last 24 h', chartBox),
  );

  const refresh = coalesce(async () => {
    try {
      const [fresh, freshHourly] = await Promise.all([
        get('/overview'),
        get('/stats/sms-per-hour'),
      ]);
      fill(statsBox, stats(fresh));
      fill(errorsBox, errorsList(fresh.recent_errors ?? []));
      fill(chartBox, smsPerHourChart(freshHourly.data ?? [], chartWidth()));
    } catch {
      // The next frame tries again; a failing refresh must not cover the page in notices.
    }
  }, 1000);
  const timer = setInterval(refresh, 30_000);
  return {
    onFrame(frame) {
      if (frame.type === 'event') activity.prepend(frame.event);
      if (frame.type === 'event' || frame.type === 'modem') refresh();
    },
    dispose() {
      clearInterval(timer);
    },
  };
}

/** One modem: its properties, event timeline, and the operator's tools (reset, USSD, test SMS). */
import { get, post, segment } from '../api.js';
import { badge, field, fill, h, orDash, panel, signalBars, time } from '../dom.js';
import { onSubmit, toast } from '../ui.js';

function properties(m) {
  const rows = [
    ['State', badge(m.state)],
    ['Signal', signalBars(m.signal_dbm)],
    ['Registration', orDash(m.registration)],
    ['Operator', orDash(m.operator)],
    ['Number', orDash(m.number)],
    ['Country', orDash(m.country)],
    ['ICCID', orDash(m.iccid)],
    ['IMEI', orDash(m.imei)],
    ['Model', orDash([m.manufacturer, m.model].filter(Boolean).join(' '))],
    ['Current order', orDash(m.current_order_id)],
    ['Last SMS', time(m.last_sms_at)],
    ['Recovery step', orDash(m.recovery_step)],
  ];
  return h(
    'dl',
    { class: 'props' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function timeline(events) {
  if (!events?.length) return h('p', { class: 'empty' }, 'No events recorded.');
  return h(
    'ol',
    { class: 'events' },
    events.map((e) =>
      h(
        'li',
        { class: 'event' },
        time(e.at),
        h('strong', {}, e.type),
        h('span', { class: 'event-text' }, orDash(e.detail)),
      ),
    ),
  );
}

function tools(id, base) {
  const reset = h('button', { type: 'button', class: 'danger' }, 'Reset modem');
  reset.addEventListener('click', async () => {
    if (
      !confirm(
        `Reset ${id}? Orders on its SIM keep their number; the modem is offline for a while.`,
      )
    )
      return;
    reset.disabled = true;
    try {
      await post(`${base}/reset`);
      toast('Reset requested.');
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      reset.disabled = false;
    }
  });

  const ussdOut = h('output', { class: 'console', 'data-testid': 'ussd-response' });
  const ussd = onSubmit(
    h(
      'form',
      { class: 'inline' },
      field(
        'USSD code',
        h('input', {
          name: 'code',
          required: true,
          placeholder: '*100#',
          pattern: '[0-9*#+]{2,40}',
          inputmode: 'tel',
        }),
      ),
      h('button', { type: 'submit' }, 'Send USSD'),
    ),
    async ({ code }) => {
      ussdOut.textContent = `${code} …`;
      const { response } = await post(`${base}/ussd`, { code });
      ussdOut.textContent = `${code}\n${orDash(response)}`;
    },
  );

  const sms = onSubmit(
    h(
      'form',
      { class: 'stack' },
      field(
        'To',
        h('input', { name: 'to', required: true, placeholder: '+447700900123', inputmode: 'tel' }),
      ),
      field(
        'Text',
        h('textarea', { name: 'body', required: true, rows: 3, maxlength: 1600 }, 'simpool test'),
      ),
      h('button', { type: 'submit' }, 'Send test SMS'),
    ),
    async ({ to, body }, form) => {
      const result = await post(`${base}/test-sms`, { to, body });
      toast(`Queued as ${result.id}.`);
      form.reset();
    },
  );
  return [
    panel('Reset', h('p', { class: 'hint' }, 'Power-cycles or re-initialises the modem.'), reset),
    panel('USSD console', ussd, ussdOut),
    panel('Send a test SMS', sms),
  ];
}

export async function render(root, { param }) {
  const base = `/modems/${segment(param)}`;
  const modem = await get(base);
  const props = h('div', {}, properties(modem));
  const events = h('div', {}, timeline(modem.events));
  fill(
    root,
    h('p', {}, h('a', { href: '#/modems' }, '← All modems')),
    h('h1', {}, `Modem ${param}`),
    h('div', { class: 'columns' }, panel('Status', props), h('div', {}, tools(param, base))),
    panel('Event timeline', events),
  );
  let refreshing = false;
  return {
    async onFrame(frame) {
      if (frame.type !== 'modem' || frame.modem?.id !== param) return;
      fill(props, properties(frame.modem));
      if (refreshing) return;
      refreshing = true;
      try {
        fill(events, timeline((await get(base)).events));
      } catch {
        // Shown again with the next frame.
      } finally {
        refreshing = false;
      }
    },
  };
}

/** Live feed frames in words: what the overview's activity list and the other views show. */
import { h, time } from '../dom.js';

const text = (value) => (typeof value === 'string' && value !== '' ? value : null);

/** The frames that mean an SMS or a message came in or went out. */
export function isMessageEvent(event) {
  return event.type === 'sms.received' || event.type.startsWith('message.');
}

export function isOrderEvent(event) {
  return event.type.startsWith('order.') || event.type === 'sms.received';
}

/** One line for an outbox event; the data is whatever the event carried, shown as text. */
export function summarize(event) {
  const data = event.data ?? {};
  const who = text(data.from) ?? text(data.sender) ?? text(data.phone_number) ?? text(data.to);
  const body =
    text(data.full_text) ??
    text(data.body) ??
    text(data.text) ??
    text(data.content) ??
    text(data.message);
  const order = text(data.order_id);
  const status = text(data.status);
  const money =
    typeof data.amount === 'number' && typeof data.balance === 'number'
      ? `${data.amount >= 0 ? '+' : ''}${data.amount} USD → ${data.balance} USD`
      : null;
  return [who, body, order ? `order ${order}` : null, status, text(data.type), money]
    .filter(Boolean)
    .join(' · ');
}

export function eventItem(event) {
  return h(
    'li',
    { class: `event event-${event.type.replace(/[^a-z]/gi, '-')}` },
    time(event.created_at),
    h('strong', {}, event.type),
    h('span', { class: 'event-text' }, summarize(event)),
  );
}

/** A bounded list that new events go to the top of. */
export function eventList(limit = 50) {
  const list = h('ol', { class: 'events', 'aria-live': 'polite', 'data-testid': 'live-activity' });
  const empty = h('p', { class: 'empty' }, 'Waiting for activity…');
  const element = h('div', {}, empty, list);
  return {
    element,
    prepend(event) {
      empty.remove();
      list.prepend(eventItem(event));
      while (list.children.length > limit) list.lastElementChild.remove();
    },
  };
}

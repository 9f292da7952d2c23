/**
 * The admin page: a login, then one view at a time chosen by the URL hash (`#/modems/<id>` …),
 * all fed by the admin API and kept current by the `/ws/admin` live feed.
 */
import { login, logout, resumeSession, whenSessionLost } from './api.js';
import { fill, h } from './dom.js';
import { connectLive } from './live.js';
import { remember } from './recent.js';
import { describe, reportError } from './ui.js';
import * as catalog from './views/catalog.js';
import * as customers from './views/customers.js';
import { renderLogin } from './views/login.js';
import * as messages from './views/messages.js';
import * as modemDetail from './views/modem-detail.js';
import * as modems from './views/modems.js';
import * as orders from './views/orders.js';
import * as overview from './views/overview.js';
import * as sims from './views/sims.js';
import * as webhooks from './views/webhooks.js';

const views = {
  overview,
  modems,
  modem: modemDetail,
  sims,
  orders,
  messages,
  customers,
  catalog,
  webhooks,
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const liveStatus = document.getElementById('live-status');
const logoutButton = document.getElementById('logout');

let live = null;
/** The view on screen: its handle gets the live frames and is disposed on navigation. */
let current = null;
let generation = 0;

function route() {
  const [name = 'overview', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const param = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  return { name: views[name] ? name : 'overview', param };
}

async function showView() {
  const { name, param } = route();
  const mine = ++generation;
  current?.dispose?.();
  current = null;
  for (const link of nav.querySelectorAll('a')) {
    const section = link.getAttribute('href').slice(2);
    link.toggleAttribute(
      'aria-current',
      section === name || (name === 'modem' && section === 'modems'),
    );
  }
  const root = h('div', { class: 'view', 'data-view': name });
  fill(main, root);
  try {
    const handle = await views[name].render(root, { param });
    if (mine === generation) current = handle ?? null;
    else handle?.dispose?.();
  } catch (error) {
    if (mine === generation) fill(root, h('p', { class: 'error', role: 'alert' }, describe(error)));
  }
}

function setLiveStatus(state) {
  liveStatus.dataset.state = state;
  liveStatus.textContent = state;
}

function startSession() {
  nav.hidden = false;
  logoutButton.hidden = false;
  liveStatus.hidden = false;
  live?.close();
  live = connectLive({
    onFrame: (frame) => {
      if (frame.type === 'event' && frame.event) remember(frame.event);
      current?.onFrame?.(frame);
    },
    onStatus: setLiveStatus,
    onUnauthorized: endSession,
  });
  void showView();
}

function endSession() {
  live?.close();
  live = null;
  current?.dispose?.();
  current = null;
  generation++;
  nav.hidden = true;
  logoutButton.hidden = true;
  liveStatus.hidden = true;
  fill(
    main,
    renderLogin(async (credential) => {
      await login(credential);
      startSession();
    }),
  );
}

window.addEventListener('hashchange', () => {
  if (live) void showView();
});
whenSessionLost(() => {
  if (live) endSession();
});
logoutButton.addEventListener('click', () => {
  void logout().catch(reportError).finally(endSession);
});

try {
  if (await resumeSession()) startSession();
  else endSession();
} catch (error) {
  endSession();
  reportError(error);
}

/** The login form: the admin credential (an `sp_live_` key) is exchanged for a session cookie. */
import { h } from '../dom.js';
import { onSubmit } from '../ui.js';

export function renderLogin(signIn) {
  const input = h('input', {
    name: 'credential',
    type: 'password',
    required: true,
    autocomplete: 'current-password',
    spellcheck: 'false',
    placeholder: 'sp_live_…',
  });
  const form = h(
    'form',
    { class: 'login panel', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'simpool admin'),
    h(
      'p',
      { class: 'hint' },
      'Paste the admin credential; ',
      h('code', {}, 'simpool admin credential'),
      ' prints it.',
    ),
    h('label', { class: 'field' }, h('span', {}, 'Admin credential'), input),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  onSubmit(form, async ({ credential }) => {
    await signIn(String(credential).trim());
  });
  queueMicrotask(() => input.focus());
  return form;
}

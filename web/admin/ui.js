/** Small interaction helpers shared by the views: notices, busy buttons, forms. */
import { h } from './dom.js';

const TOAST_MS = 6000;

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const note = h(
    'div',
    { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
  box.append(note);
  setTimeout(() => note.remove(), TOAST_MS);
}

export function describe(error) {
  if (error && typeof error === 'object' && 'code' in error) {
    return `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function reportError(error) {
  toast(describe(error), 'error');
}

/**
 * Runs `action` with `button` disabled, reporting failures as a notice; returns the action's
 * result, or undefined when it failed.
 */
export async function busy(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    reportError(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Wires a form's submit to `action(values)`; values are the named controls' values. */
export function onSubmit(form, action) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    const submit = form.querySelector('button[type="submit"], button:not([type])');
    void busy(submit, () => action(values, form));
  });
  return form;
}

/** A one-time secret (a new API key): shown once with a copy button, never stored. */
export function secretBox(title, secret) {
  const output = h('output', { class: 'secret', 'data-testid': 'new-secret' }, secret);
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'quiet',
      onclick: () => navigator.clipboard?.writeText(secret).then(() => toast('Copied.')),
    },
    'Copy',
  );
  return h(
    'div',
    { class: 'secret-box', role: 'status' },
    h('strong', {}, title),
    h('p', {}, 'Shown once: store it now.'),
    output,
    copy,
  );
}

/**
 * Coalesces bursts: the first call schedules `fn` in `ms`, the calls until then ride along.
 * Live frames can arrive in bursts (and signal updates never stop), so each must not cost a
 * request, yet a steady stream must not postpone the refresh forever as a debounce would.
 */
export function coalesce(fn, ms = 400) {
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

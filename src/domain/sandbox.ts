/**
 * Sandbox (`sp_test_…` keys): which SIMs serve which keys, the play-money grant and the synthetic
 * verification SMS a sandbox order receives. Pure: the store applies the SIM rule in its
 * eligibility query and the daemon injects the generated SMS into a simulated modem, so it goes
 * through the real pipeline (AT → PDU → store → matching) like any other SMS.
 */
import { SEED_SERVICES } from './catalog-seed.js';
import { usdToUnits } from './money.js';
import { isOpenStatus, type OrderStatus } from './order-types.js';

/** The slot path of a built-in simulated modem's SIM (`simulated:<index>`). */
export const SIMULATED_SLOT_PREFIX = 'simulated:';

export function isSimulatedSlot(slotPath: string | null | undefined): boolean {
  return typeof slotPath === 'string' && slotPath.startsWith(SIMULATED_SLOT_PREFIX);
}

/** Which SIMs an order may get: only simulated ones, only real ones, or either. */
export type SimKind = 'simulated' | 'real' | 'any';

/**
 * Sandbox orders never burn a real SIM; live orders never get a simulated number (nobody would
 * ever text it) — unless the operator says live keys may use simulated modems, which is the
 * demo appliance with no hardware (`orders.liveOnSimulated`). Then live orders take any SIM.
 */
export function allowedSimKind(sandbox: boolean, liveOnSimulated: boolean): SimKind {
  if (sandbox) return 'simulated';
  return liveOnSimulated ? 'any' : 'real';
}

/** The same rule for one SIM (the store's SQL filter mirrors it; tests compare the two). */
export function simServesOrder(
  slotPath: string | null | undefined,
  sandbox: boolean,
  liveOnSimulated: boolean,
): boolean {
  const kind = allowedSimKind(sandbox, liveOnSimulated);
  if (kind === 'any') return true;
  return isSimulatedSlot(slotPath) === (kind === 'simulated');
}

/** Play money credited when a customer creates their first sandbox key. */
export const DEFAULT_SANDBOX_STARTING_BALANCE_UNITS = usdToUnits(100);
export const SANDBOX_GRANT_DESCRIPTION = 'Sandbox starting balance (play money for sp_test_ keys)';

/** What a sandbox delivery row was scheduled by. */
export type SandboxDeliveryKind = 'purchase' | 'retry' | 'swap';

/**
 * Whether a due synthetic SMS is still wanted: the order is open and still holds the SIM the
 * SMS was scheduled for (after a swap the swap's own row serves the new SIM; an SMS for a
 * cancelled or expired order would only be an unmatched message).
 */
export function decideSandboxDelivery(
  order: { readonly status: OrderStatus; readonly simIccid: string },
  scheduledIccid: string,
): 'inject' | 'skip' {
  return isOpenStatus(order.status) && order.simIccid === scheduledIccid ? 'inject' : 'skip';
}

/** A synthetic SMS whose time has come, with what the sender needs to decide and inject. */
export interface DueSandboxDelivery {
  readonly id: number;
  readonly orderId: string;
  readonly kind: SandboxDeliveryKind;
  /** The SIM the SMS was scheduled for. */
  readonly simIccid: string;
  /** Where that SIM sits now (`simulated:<index>`); null when the inventory does not know. */
  readonly slotPath: string | null;
  /** Failed injection attempts so far. */
  readonly attempts: number;
  readonly order: { readonly status: OrderStatus; readonly simIccid: string };
  readonly service: { readonly code: string; readonly name: string };
}

export type SandboxDeliveryOutcome = 'injected' | 'skipped' | 'failed';

export interface SyntheticSms {
  /** GSM alphanumeric sender: letters, digits and spaces, at most 11 characters. */
  readonly sender: string;
  readonly text: string;
  /** The code as `extractCode` returns it (digits only). */
  readonly code: string;
}

interface Template {
  readonly digits: number;
  readonly sender?: string;
  readonly render: (code: string) => string;
}

const split = (code: string): [string, string] => [code.slice(0, 3), code.slice(3)];

/* Modelled on the texts these services really send (see code-extraction-cases). */
const TEMPLATES: Readonly<Record<string, Template>> = {
  tg: {
    digits: 5,
    render: (c) => `Your Telegram code is ${c}. Do not give this code to anyone.`,
  },
  wa: {
    digits: 6,
    render: (c) => `Your WhatsApp code: ${split(c).join('-')}\nDon't share this code with others`,
  },
  go: { digits: 6, render: (c) => `G-${c} is your Google verification code.` },
  fb: { digits: 6, render: (c) => `FB-${c} is your Facebook confirmation code` },
  ig: {
    digits: 6,
    render: (c) => `${split(c).join(' ')} is your Instagram code. Don't share it.`,
  },
  tw: { digits: 6, render: (c) => `Your Twitter confirmation code is ${c}.` },
  vi: { digits: 6, render: (c) => `Your Viber code: ${c}` },
  wb: { digits: 6, render: (c) => `[WeChat] Your verification code is ${c}. Do not share it.` },
  vk: { digits: 6, render: (c) => `VK: ${c} is your confirmation code.` },
  lf: { digits: 6, render: (c) => `[TikTok] ${c} is your verification code, valid for 5 minutes.` },
  mm: { digits: 6, render: (c) => `Use ${c} as Microsoft account security code` },
  am: { digits: 6, render: (c) => `${c} is your Amazon OTP. Do not share it with anyone.` },
  ub: { digits: 4, render: (c) => `Your Uber code: ${c}. Never share this code.` },
  nf: { digits: 6, render: (c) => `Your Netflix verification code is ${c}` },
  ts: { digits: 6, render: (c) => `PayPal: Your security code is ${c}. Don't share your code.` },
  wx: { digits: 6, render: (c) => `Your Apple ID Code is: ${c}. Do not share it with anyone.` },
  bw: { digits: 6, render: (c) => `Your Signal code: ${split(c).join('-')}` },
  dr: { digits: 6, sender: 'OpenAI', render: (c) => `Your OpenAI verification code is: ${c}` },
  ds: { digits: 6, sender: 'Discord', render: (c) => `Your Discord verification code is ${c}` },
};

const GENERIC_DIGITS = 6;

function genericText(name: string, code: string): string {
  return `Your ${name} verification code is ${code}. Do not share this code with anyone.`;
}

/** A plain sender from the catalog's patterns (`^Telegram$` → `Telegram`), else from the name. */
function senderFor(code: string, name: string): string {
  const valid = (s: string): boolean => /^[A-Za-z0-9 ]{1,11}$/.test(s);
  const explicit = TEMPLATES[code]?.sender;
  if (explicit) return explicit;
  const patterns = SEED_SERVICES.find((s) => s.code === code)?.senderPatterns ?? [];
  for (const pattern of patterns) {
    const plain = /^\^([A-Za-z][A-Za-z0-9 ]*)\$$/.exec(pattern)?.[1];
    if (plain && valid(plain)) return plain;
  }
  const fromName = name
    .replace(/[^A-Za-z0-9 ]/g, '')
    .trim()
    .slice(0, 11)
    .trim();
  return valid(fromName) && code !== 'ot' ? fromName : 'Verify';
}

/** `digits` random digits, never starting with 0 and, for 4 digits, never year-like
 * (1900–2099): an extractor rightly distrusts those. */
export function randomCode(digits: number, random: () => number): string {
  const digit = (min: number): number => min + (Math.floor(random() * (10 - min)) % (10 - min));
  for (;;) {
    let code = String(digit(1));
    while (code.length < digits) code += String(digit(0));
    const n = Number(code);
    if (digits !== 4 || n < 1900 || n > 2099) return code;
  }
}

/**
 * A realistic verification SMS for a service: its sender, its usual wording and code length
 * where known (SEED_SERVICES codes), a generic template otherwise.
 */
export function sandboxSms(
  service: { readonly code: string; readonly name: string },
  random: () => number = Math.random,
): SyntheticSms {
  const template = TEMPLATES[service.code];
  const code = randomCode(template?.digits ?? GENERIC_DIGITS, random);
  const name = service.code === 'ot' ? 'account' : service.name;
  return {
    sender: senderFor(service.code, service.name),
    text: template ? template.render(code) : genericText(name, code),
    code,
  };
}

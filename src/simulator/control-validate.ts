import { SimpoolError } from '../shared/index.js';
import { FAULT_KINDS, type Fault, type FaultKind } from './faults.js';
import type { CallNoise, IncomingCallRequest } from './calls.js';
import type { InboundSms } from './inbound.js';

/** Request bodies of the control API, checked field by field: unknown fields are errors. */
function invalid(message: string): SimpoolError {
  return new SimpoolError('simulator_invalid_request', message);
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length) throw invalid(`unknown field(s): ${unknown.join(', ')}`);
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be a string`);
  return value;
}

function optionalInt(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${key} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function optionalBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${key} must be true or false`);
  return value;
}

export type SmsRequest = { readonly pdu: string } | { readonly sms: InboundSms };

const SMS_FIELDS = ['from', 'text', 'encoding', 'parts', 'outOfOrder', 'concatRefBits', 'pdu'];

export function parseSmsRequest(input: unknown): SmsRequest {
  const body = asObject(input);
  onlyFields(body, SMS_FIELDS);
  const pdu = optionalString(body, 'pdu');
  if (pdu !== undefined) {
    if (Object.keys(body).length > 1) throw invalid('pdu excludes every other field');
    if (!/^([0-9A-Fa-f]{2}){2,}$/.test(pdu)) throw invalid('pdu must be hex octets');
    return { pdu };
  }
  const from = optionalString(body, 'from');
  const text = optionalString(body, 'text');
  if (from === undefined || text === undefined) throw invalid('from and text are required');
  const encoding = optionalString(body, 'encoding');
  if (encoding !== undefined && encoding !== 'gsm7' && encoding !== 'ucs2') {
    throw invalid('encoding must be "gsm7" or "ucs2"');
  }
  const parts = optionalInt(body, 'parts', 1, 255);
  const outOfOrder = optionalBool(body, 'outOfOrder');
  const refBits = optionalInt(body, 'concatRefBits', 8, 16);
  if (refBits !== undefined && refBits !== 8 && refBits !== 16) {
    throw invalid('concatRefBits must be 8 or 16');
  }
  return {
    sms: {
      from,
      text,
      ...(encoding === undefined ? {} : { encoding }),
      ...(parts === undefined ? {} : { parts }),
      ...(outOfOrder === undefined ? {} : { outOfOrder }),
      ...(refBits === undefined ? {} : { concatRefBits: refBits }),
    },
  };
}

const FAULT_FIELDS: Readonly<Record<FaultKind, readonly string[]>> = {
  hang: [],
  unplug: [],
  replug: [],
  garbage: ['bytes', 'continuous'],
  slow: ['ms'],
  sim_removed: [],
  no_network: ['stat'],
  storage_full: [],
  reset: [],
  reenumerate: [],
  send_error: ['cms', 'count'],
  clear: [],
};

export function parseFaultRequest(input: unknown): Fault {
  const body = asObject(input);
  const kind = body.kind;
  if (typeof kind !== 'string' || !FAULT_KINDS.includes(kind as FaultKind)) {
    throw invalid(`kind must be one of: ${FAULT_KINDS.join(', ')}`);
  }
  const faultKind = kind as FaultKind;
  onlyFields(body, ['kind', ...FAULT_FIELDS[faultKind]]);
  switch (faultKind) {
    case 'garbage': {
      const bytes = optionalInt(body, 'bytes', 1, 65536);
      const continuous = optionalBool(body, 'continuous');
      return {
        kind: 'garbage',
        ...(bytes === undefined ? {} : { bytes }),
        ...(continuous === undefined ? {} : { continuous }),
      };
    }
    case 'slow': {
      const ms = optionalInt(body, 'ms', 0, 600_000);
      if (ms === undefined) throw invalid('slow needs ms');
      return { kind: 'slow', ms };
    }
    case 'no_network': {
      const stat = optionalInt(body, 'stat', 0, 2);
      if (stat === 1) throw invalid('stat must be 0 or 2');
      return stat === undefined
        ? { kind: 'no_network' }
        : { kind: 'no_network', stat: stat as 0 | 2 };
    }
    case 'send_error': {
      const code = optionalInt(body, 'cms', 0, 999);
      if (code === undefined) throw invalid('send_error needs cms (the +CMS ERROR number)');
      const count = optionalInt(body, 'count', 1, 1_000_000);
      return { kind: 'send_error', cms: code, ...(count === undefined ? {} : { count }) };
    }
    default:
      return {
        kind: faultKind,
      };
  }
}

/** `POST /modems/{i}/call`: `{ from, rings?, talkMs?, hangupAfterMs? }`. */
export function parseCallRequest(input: unknown): IncomingCallRequest {
  const body = asObject(input);
  onlyFields(body, ['from', 'rings', 'talkMs', 'hangupAfterMs']);
  const from = optionalString(body, 'from');
  if (from === undefined) throw invalid('from is required');
  if (!/^\+?[0-9]{3,20}$/.test(from)) throw invalid('from must be 3 to 20 digits, + allowed first');
  const rings = optionalInt(body, 'rings', 1, 100);
  const talkMs = optionalInt(body, 'talkMs', 0, 3_600_000);
  const hangupAfterMs = optionalInt(body, 'hangupAfterMs', 0, 600_000);
  return {
    from,
    ...(rings === undefined ? {} : { rings }),
    ...(talkMs === undefined ? {} : { talkMs }),
    ...(hangupAfterMs === undefined ? {} : { hangupAfterMs }),
  };
}

/** `POST /modems/{i}/call-noise`: `{ meanIntervalMs, maxRings?, insideResponses? }`. */
export function parseCallNoiseRequest(input: unknown): CallNoise {
  const body = asObject(input);
  onlyFields(body, ['meanIntervalMs', 'maxRings', 'insideResponses']);
  const meanIntervalMs = optionalInt(body, 'meanIntervalMs', 1, 86_400_000);
  if (meanIntervalMs === undefined) throw invalid('meanIntervalMs is required');
  const maxRings = optionalInt(body, 'maxRings', 1, 100);
  const inside = body.insideResponses;
  if (inside !== undefined && (typeof inside !== 'number' || !(inside >= 0 && inside <= 1))) {
    throw invalid('insideResponses must be a number from 0 to 1');
  }
  return {
    meanIntervalMs,
    ...(maxRings === undefined ? {} : { maxRings }),
    ...(inside === undefined ? {} : { insideResponses: inside }),
  };
}

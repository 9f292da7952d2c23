import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, isSimpoolError } from '../shared/index.js';
import type { ModemBank } from './bank.js';
import {
  parseCallNoiseRequest,
  parseCallRequest,
  parseFaultRequest,
  parseSmsRequest,
} from './control-validate.js';
import type { SimulatedModem } from './simulated-modem.js';

export interface ControlServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1: the control API has no authentication. */
  readonly host?: string;
  /** What to report as a modem's link (e.g. its PTY path); default `memory:sim<i>`. */
  readonly linkOf?: (index: number) => string;
}

export interface ControlServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'simulator_invalid_request', 'body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.trim() === '' ? {} : (JSON.parse(text) as unknown));
      } catch {
        reject(new HttpError(400, 'simulator_invalid_request', 'body is not valid JSON'));
      }
    });
  });
}

function describeModem(modem: SimulatedModem, link: string): Record<string, unknown> {
  const { imei, iccid, imsi, msisdn, operatorName, cnumVisible } = modem.identity;
  return {
    index: modem.index,
    link,
    imei,
    iccid,
    imsi,
    msisdn,
    cnumVisible,
    operator: operatorName,
    flavour: modem.flavour.name,
    plugged: modem.plugged,
    connected: modem.connected,
    pendingInNetwork: modem.pendingInNetwork,
    /** SMS in the modem's storage (SIM and phone memory). */
    stored: modem.stored('SM').length + modem.stored('ME').length,
    /** The call ringing or in progress, or null. */
    call: modem.activeCall ?? null,
  };
}

/** The JSON control API of a modem bank, on node:http (no framework: it is a test tool). */
export async function startControlServer(
  bank: ModemBank,
  options: ControlServerOptions,
): Promise<ControlServer> {
  const linkOf = options.linkOf ?? ((index: number) => `memory:sim${index}`);

  async function route(request: http.IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    const method = request.method ?? 'GET';
    if (parts.length === 1 && parts[0] === 'modems') {
      if (method !== 'GET') throw new HttpError(405, 'invalid_argument', 'use GET');
      return [200, bank.modems.map((m) => describeModem(m, linkOf(m.index)))];
    }
    if (parts[0] !== 'modems' || parts.length < 2 || parts.length > 3) {
      throw new HttpError(404, 'not_found', `no route ${method} ${url.pathname}`);
    }
    const index = /^\d+$/.test(parts[1] ?? '') ? Number(parts[1]) : Number.NaN;
    const modem = bank.modem(index);
    const action = `${method} ${parts[2] ?? ''}`;
    switch (action) {
      case 'GET ':
        return [200, { ...describeModem(modem, linkOf(index)), stored: modem.stored() }];
      case 'GET sent':
        return [200, modem.sent];
      case 'POST sms': {
        const parsed = parseSmsRequest(await readBody(request));
        const result = 'pdu' in parsed ? modem.injectPdu(parsed.pdu) : modem.injectSms(parsed.sms);
        return [201, result];
      }
      case 'POST call':
        return [201, modem.incomingCall(parseCallRequest(await readBody(request)))];
      case 'GET calls':
        return [200, modem.calls];
      case 'POST call-noise': {
        const noise = parseCallNoiseRequest(await readBody(request));
        modem.setCallNoise(noise);
        return [200, { ok: true, callNoise: noise }];
      }
      case 'DELETE call-noise':
        modem.setCallNoise(undefined);
        return [200, { ok: true, callNoise: null }];
      case 'POST fault': {
        const fault = parseFaultRequest(await readBody(request));
        modem.fault(fault);
        return [200, { ok: true, fault }];
      }
      default:
        throw new HttpError(404, 'not_found', `no route ${method} ${url.pathname}`);
    }
  }

  const server = http.createServer((request, response) => {
    route(request)
      .then(([status, body]) => send(response, status, body))
      .catch((error: unknown) => {
        if (error instanceof HttpError) {
          send(response, error.status, { error: { code: error.code, message: error.message } });
        } else if (isSimpoolError(error)) {
          const status = error.code === 'simulator_unknown_modem' ? 404 : 400;
          send(response, status, { error: { code: error.code, message: error.message } });
        } else {
          send(response, 500, { error: { code: 'internal_error', message: describeError(error) } });
        }
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

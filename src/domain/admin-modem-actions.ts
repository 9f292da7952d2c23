/**
 * The operator's modem actions (reset, USSD, test SMS), wherever the modem is. A modem this host
 * drives — named by its slot address or its IMEI — is acted on directly, as on a lone appliance.
 * A modem another host drives (named by its IMEI; the store says which host) is acted on by that
 * host through a host command, and answers the same way: the result, or the same refusal. Input
 * is checked here first, so a bad request never travels.
 */
import { SimpoolError } from '../shared/index.js';
import type { ModemControlPort, ModemView } from './admin-types.js';
import type { HostCommandClient } from './host-command-client.js';
import type {
  HostCommand,
  HostCommandAction,
  HostCommandParams,
  HostCommandResult,
} from './host-commands.js';
import { requireText, validationError } from './validation.js';

const USSD_CODE = /^[0-9*#+]{1,32}$/;
const TEST_SMS_MAX = 1600;

export interface ModemActionsDeps {
  readonly modems: ModemControlPort;
  /** Other hosts' modems (several hosts on one database); without it, only local modems. */
  readonly hostCommands?: HostCommandClient;
}

type Target =
  | { readonly local: ModemView }
  | { readonly remote: { readonly hostId: string; readonly imei: string } };

export class ModemActions {
  constructor(private readonly deps: ModemActionsDeps) {}

  async reset(id: string): Promise<void> {
    const target = await this.locate(id);
    if ('remote' in target) await this.remote(target.remote, 'reset', {});
    else await this.resetLocal(target.local);
  }

  async ussd(id: string, code: string): Promise<string> {
    checkUssdCode(code);
    const target = await this.locate(id);
    if ('local' in target) return this.ussdLocal(target.local, code);
    return textOf(await this.remote(target.remote, 'ussd', { code }));
  }

  async sendTestSms(id: string, to: string, body: string): Promise<string> {
    const text = requireText('body', body, TEST_SMS_MAX);
    const target = await this.locate(id);
    if ('local' in target) return this.testSmsLocal(target.local, to.trim(), text);
    return textOf(await this.remote(target.remote, 'test_sms', { to: to.trim(), body: text }));
  }

  /**
   * Carries out a command another host asked of one of this host's modems, through the same
   * checks as a local action; never passed on to a third host.
   */
  async runHostCommand(command: HostCommand): Promise<HostCommandResult> {
    const view = this.localByImei(command.modemImei);
    if (!view) {
      throw new SimpoolError(
        'not_found',
        `no modem ${command.modemImei} on host ${command.hostId}`,
      );
    }
    switch (command.action) {
      case 'reset':
        await this.resetLocal(view);
        return null;
      case 'ussd': {
        const code = paramOf(command, 'code');
        checkUssdCode(code);
        return this.ussdLocal(view, code);
      }
      case 'test_sms': {
        const text = requireText('body', paramOf(command, 'body'), TEST_SMS_MAX);
        return this.testSmsLocal(view, paramOf(command, 'to').trim(), text);
      }
      default:
        throw new SimpoolError(
          'invalid_argument',
          `unknown modem action ${String(command.action)}`,
        );
    }
  }

  private async locate(id: string): Promise<Target> {
    const local = this.deps.modems.get(id) ?? this.localByImei(id);
    if (local) return { local };
    const hostId = await this.deps.hostCommands?.remoteHostOf(id);
    if (hostId !== undefined) return { remote: { hostId, imei: id } };
    throw new SimpoolError('not_found', `no modem ${id}`);
  }

  private localByImei(imei: string): ModemView | undefined {
    return this.deps.modems.list().find((view) => view.imei === imei);
  }

  private remote(
    target: { readonly hostId: string; readonly imei: string },
    action: HostCommandAction,
    params: HostCommandParams,
  ): Promise<HostCommandResult> {
    // locate() found a remote host only through the client.
    return this.deps.hostCommands!.run(target.hostId, target.imei, action, params);
  }

  private async resetLocal(view: ModemView): Promise<void> {
    await this.deps.modems.reset(view.id);
  }

  private ussdLocal(view: ModemView, code: string): Promise<string> {
    usable(view);
    return this.deps.modems.ussd(view.id, code);
  }

  private testSmsLocal(view: ModemView, to: string, body: string): Promise<string> {
    usable(view);
    if (view.iccid === null) throw new SimpoolError('bad_status', `modem ${view.id} has no SIM`);
    return this.deps.modems.sendTestSms(view.id, to, body);
  }
}

function checkUssdCode(code: string): void {
  if (!USSD_CODE.test(code)) throw validationError('code', 'digits, * and # only (e.g. *100#)');
}

/** A modem that can take AT commands now (USSD, sending). */
function usable(view: ModemView): void {
  if (view.state !== 'ready' && view.state !== 'degraded') {
    throw new SimpoolError('bad_status', `modem ${view.id} is ${view.state}`, {
      details: { status: view.state },
    });
  }
}

function paramOf(command: HostCommand, name: string): string {
  const value = command.params[name];
  if (typeof value !== 'string') {
    throw new SimpoolError('invalid_argument', `the ${command.action} command has no ${name}`);
  }
  return value;
}

function textOf(result: HostCommandResult): string {
  if (result === null) throw new SimpoolError('internal_error', 'the modem host answered nothing');
  return result;
}

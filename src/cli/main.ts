#!/usr/bin/env node
import { Command } from 'commander';
import { describeError, isSimpoolError } from '../shared/index.js';
import { registerAdminCommands } from './admin.js';
import { registerConfigCommands } from './config-check.js';
import { registerCustomerCommands } from './customer.js';
import { registerHostsCommand } from './hosts.js';
import { registerInboxCommand } from './inbox.js';
import { registerMigrateCommand } from './migrate.js';
import { registerModemsCommand } from './modems.js';
import { registerProbeCommand } from './probe.js';
import { registerSendCommand } from './send.js';
import { registerSimulateCommand } from './simulate.js';
import { registerStartCommand } from './start.js';

/** The `simpool` command line: every subcommand lives in its own file and registers itself. */
export function buildProgram(): Command {
  const program = new Command('simpool')
    .description('Self-hosted SMS gateway appliance for banks of GSM modems')
    .version('0.1.0');
  registerStartCommand(program);
  registerProbeCommand(program);
  registerInboxCommand(program);
  registerSendCommand(program);
  registerCustomerCommands(program);
  registerSimulateCommand(program);
  registerModemsCommand(program);
  registerHostsCommand(program);
  registerMigrateCommand(program);
  registerConfigCommands(program);
  registerAdminCommands(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Our own errors are for people: the message, its code, no stack trace.
  if (isSimpoolError(error)) console.error(`simpool: ${error.message} (${error.code})`);
  else console.error(`simpool: ${describeError(error)}`);
  process.exitCode = 1;
}

#!/usr/bin/env node
import { Command } from 'commander';
import { registerSimulateCommand } from './simulate.js';
import { registerStartCommand } from './start.js';

/** The `simpool` command line: every subcommand lives in its own file and registers itself. */
export function buildProgram(): Command {
  const program = new Command('simpool')
    .description('Self-hosted SMS gateway appliance for banks of GSM modems')
    .version('0.1.0');
  registerStartCommand(program);
  registerSimulateCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);

import type { Command } from 'commander';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Start the appliance (for now: the simulated modem bank)')
    .action(() => {
      console.log('simpool start: not yet wired');
    });
}

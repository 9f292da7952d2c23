import type { Command } from 'commander';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Expose simulated modems as pseudo-terminals with an HTTP control API')
    .action(() => {
      console.log('simpool simulate: not yet wired');
    });
}

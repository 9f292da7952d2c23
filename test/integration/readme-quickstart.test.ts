import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  README_ORIGIN,
  copyFrom,
  matchStartOutput,
  quickstartBlocks,
  quickstartSteps,
  shownLinePattern,
} from '../helpers/readme-quickstart.js';
import { requireTool } from '../helpers/require-tool.js';
import { pollUntil, repoRoot, startSimpoolProcess } from '../helpers/sim-process.js';

const run = promisify(execFile);
const lines = (text: string) => text.split('\n');

/** The data directory the README's example output shows (a checkout's `.simpool`). */
const README_DATA_DIR = '/path/to/simpool/.simpool';

/**
 * README.md's quick start, followed as a newcomer would: a fresh data directory, the appliance
 * started the way `npm start` starts it, then every command of the marked blocks through a real
 * shell and a real curl, each printed line the README shows checked against what it printed.
 * Edit the README's quick start and this test follows it (or fails, if the README is wrong).
 */
describe('README quick start', () => {
  let readme: string;
  let dir: string;
  beforeAll(async () => {
    readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-readme-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('npm start is the CLI start command after a build, with nothing added', async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      bin: { simpool: string };
    };
    // So the test may run the same CLI from source instead of building dist/ first.
    expect(pkg.scripts.start).toMatch(
      new RegExp(`^npm run build[^&]*&& node ${pkg.bin.simpool} start$`),
    );
    expect(pkg.scripts.simpool).toBe('tsx src/cli/main.ts');
  });

  it('starts the appliance, rents a number with curl and sees its code arrive', async () => {
    requireTool('curl');
    const [startBlock] = quickstartBlocks(readme, 'npm start output');
    const steps = quickstartBlocks(readme, 'commands').flatMap(quickstartSteps);
    expect(startBlock, 'the README marks its npm start output').toBeDefined();
    expect(steps.filter((s) => s.kind === 'run').length).toBeGreaterThan(3);

    // Fresh machine: a data directory that does not exist yet. Free ports instead of 8080 and
    // 8765, so the test runs next to anything else; the README's addresses are mapped below.
    const dataDir = path.join(dir, '.simpool');
    const config = path.join(dir, 'ports.json');
    await writeFile(config, JSON.stringify({ simulatorControlPort: 0 }));
    const daemon = await startSimpoolProcess(
      ['start', '--config', config, '--data-dir', dataDir, '--port', '0'],
      /simpool started/,
      60_000,
    );
    try {
      const matchStart = () =>
        matchStartOutput(lines(startBlock!), daemon.output(), README_DATA_DIR, dataDir);
      const origins = await pollUntil(
        () => {
          const match = matchStart();
          return 'origins' in match ? match.origins : undefined;
        },
        20_000,
        'the lines the README shows for npm start',
      ).catch(() => {
        const match = matchStart();
        throw new Error(`npm start did not print the README line ${JSON.stringify(match)}`);
      });
      const localise = (text: string) =>
        text.replace(README_ORIGIN, (origin) => origins.get(origin) ?? origin);

      const outputs = [daemon.output()];
      const variables: Record<string, string> = {};
      for (const step of steps) {
        if (step.kind === 'copy') {
          const value = copyFrom(outputs, step.pattern);
          expect(value, `nothing above looks like ${step.pattern}`).toBeDefined();
          variables[step.name] = value!;
          continue;
        }
        const shell = async () => {
          const { stdout } = await run('sh', ['-c', localise(step.command)], {
            cwd: repoRoot,
            env: { ...process.env, SIMPOOL_DATA_DIR: dataDir, ...variables },
            timeout: 60_000,
          });
          return stdout;
        };
        const fits = (stdout: string, shownLines = step.prints) =>
          shownLines.every((shown) =>
            stdout.split('\n').some((line) => shownLinePattern(localise(shown)).test(line)),
          );
        let stdout = await shell();
        // The SMS travels through a simulated modem: a reader waits a moment and asks again.
        // Only commands that change nothing are repeated.
        if (!fits(stdout) && !/ -X (POST|PUT|PATCH|DELETE)\b|^npm /.test(step.command)) {
          stdout = await pollUntil(
            async () => {
              const again = await shell();
              return fits(again) ? again : undefined;
            },
            15_000,
            step.command,
          ).catch(() => stdout);
        }
        const notPrinted = step.prints.filter((shown) => !fits(stdout, [shown]));
        expect(notPrinted, `${step.command}\nprinted:\n${stdout}`).toEqual([]);
        outputs.push(stdout);
      }
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  }, 180_000);
});

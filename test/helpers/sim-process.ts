import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SimulatorProcess {
  readonly child: ChildProcess;
  readonly controlUrl: string;
  readonly output: () => string;
  stop(): Promise<number | null>;
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function pollUntil<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface SimpoolProcess {
  readonly child: ChildProcess;
  /** The first match of `ready` in the output. */
  readonly ready: RegExpExecArray;
  readonly output: () => string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL at once, as a crash or a power cut would. */
  kill(): Promise<void>;
}

/** Runs `simpool ARGS…` from source as a child process and waits until `ready` is printed. */
export async function startSimpoolProcess(
  args: string[],
  ready: RegExp,
  timeoutMs = 20_000,
  /** Variables added to (or, when undefined, removed from) this process's environment. */
  env: Record<string, string | undefined> = {},
): Promise<SimpoolProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const match = await pollUntil(
    () => {
      if (exitCode !== undefined)
        throw new Error(`simpool ${args[0]} exited (${exitCode}): ${output}`);
      return ready.exec(output) ?? undefined;
    },
    timeoutMs,
    `simpool ${args[0]} to print ${String(ready)}`,
  );
  return {
    child,
    ready: match,
    output: () => output,
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (exitCode === undefined) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs `simpool simulate` as a child process and waits for its control URL. */
export async function startSimulatorProcess(args: string[]): Promise<SimulatorProcess> {
  const sim = await startSimpoolProcess(['simulate', ...args], /control: (http:\/\/\S+)/);
  return { child: sim.child, controlUrl: sim.ready[1]!, output: sim.output, stop: sim.stop };
}

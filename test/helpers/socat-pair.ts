import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireTool } from './require-tool.js';

export interface PtyPair {
  readonly a: string;
  readonly b: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Two linked pseudo-terminals made by socat: bytes written to one are read from the other. */
export async function createPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const socat = requireTool('socat');
  const dir = mkdtempSync(path.join(tmpdir(), 'simpool-pty-'));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const child = spawn(socat, [`PTY,link=${a},raw,echo=0`, `PTY,link=${b},raw,echo=0`], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill();
      throw new Error('socat did not create the PTY pair');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    a,
    b,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

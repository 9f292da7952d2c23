/**
 * Send queue benchmark (`npm run bench:send`): 64 simulated modems on in-memory links, throttles
 * off, 10,000 queued single-part messages, the real pool (routing, workers) and the real SQLite
 * store. Each scenario runs in a child process. Prints the figures and writes
 * bench/results/send.json. Never fails on a missed target.
 *
 *   --quick       2,000 messages instead of 10,000
 *   --only NAME   one scenario by name
 */
import { fileURLToPath } from 'node:url';
import {
  benchArgs,
  machineInfo,
  printTargets,
  runChild,
  runMain,
  serveChild,
  writeResults,
} from './common.js';
import { runSendScenario, type SendResult, type SendSpec } from './send/scenario.js';

const entry = fileURLToPath(import.meta.url);

function scenarios(quick: boolean): { name: string; spec: SendSpec }[] {
  const messages = quick ? 2_000 : 10_000;
  return [
    // Modems that answer at once: what the queue itself can hand out.
    { name: 'instant-modems-64', spec: { modems: 64, messages, sendDelayMs: 0 } },
    // Modems that take 50 ms per SMS: does any sit idle while work is queued?
    { name: 'slow-modems-64', spec: { modems: 64, messages, sendDelayMs: 50 } },
  ];
}

async function main(): Promise<void> {
  const args = benchArgs();
  const results: Record<string, SendResult> = {};
  for (const { name, spec } of scenarios(args.quick)) {
    if (args.only && args.only !== name) continue;
    console.log(`running ${name} …`);
    const result = await runChild<SendResult>(entry, spec);
    results[name] = result;
    console.table({
      [name]: {
        'messages/s': result.messagesPerS,
        'queue ms/msg': result.queueMsPerMessage.toFixed(3),
        'calls/msg': result.queueCallsPerMessage.toFixed(1),
        'CPU ms/msg': result.cpuMsPerMessage.toFixed(3),
        'enqueue ms/msg': result.enqueueMsPerMessage.toFixed(3),
        'idle gap p50/p99/max ms': `${result.idleGapMs.p50} / ${result.idleGapMs.p99} / ${result.idleGapMs.max}`,
        'gaps > 10 ms': result.gapsOver10Ms,
      },
    });
  }
  const figures = Object.values(results);
  printTargets(
    figures.flatMap((r, i) => [
      {
        name: `${Object.keys(results)[i]}: queue overhead per message`,
        limit: '≤ 1',
        measured: Math.round(r.queueMsPerMessage * 1000) / 1000,
        unit: 'ms',
        pass: r.queueMsPerMessage <= 1,
      },
      {
        // A free modem that had to wait for the 1 s queue poll would show here as ~1000 ms.
        name: `${Object.keys(results)[i]}: free modem waiting for work while queued (max)`,
        limit: '≤ 100',
        measured: r.idleGapMs.max,
        unit: 'ms',
        pass: r.idleGapMs.max <= 100,
      },
    ]),
  );
  writeResults('send', { machine: machineInfo(), at: new Date().toISOString(), results });
}

if (process.argv[2] === '--child') serveChild<SendSpec>(runSendScenario);
else runMain(main);

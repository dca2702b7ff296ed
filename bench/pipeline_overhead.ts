/**
 * What watching every process event costs a fork-heavy host, side by side in
 * one run: a fork+exit loop alone; with `kernwatch tail 'process.*'` writing
 * every event to /dev/null; with bpftrace printing the same tracepoints; with
 * bpftrace only counting them in kernel maps. Configurations alternate within
 * each round so that machine noise hits them alike; medians are reported.
 *
 *   ROUNDS=5 SECONDS=5 node dist/bench/pipeline_overhead.js
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTracefs } from '../src/kernel/tracefs';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'bench', '.output');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);

const PROCESS_TRACEPOINTS = [
  ['sched:sched_process_fork', 'args->child_pid'],
  ['task:task_newtask', 'args->pid'],
  ['sched:sched_process_exit', 'args->pid'],
  ['sched:sched_process_free', 'args->pid'],
  ['sched:sched_process_hang', 'args->pid'],
  ['mmap:exit_mmap', 'pid'],
] as const;

const BPFTRACE_PRINTF = PROCESS_TRACEPOINTS.map(
  ([tp, pid]) => `tracepoint:${tp} { printf("%s %s %d %d\\n", probe, comm, pid, ${pid}); }`,
).join('\n');
const BPFTRACE_COUNT = PROCESS_TRACEPOINTS.map(([tp]) => `tracepoint:${tp} { @[probe] = count(); }`).join('\n');

interface Watcher {
  readonly name: string;
  start(): Promise<ChildProcess | undefined>;
}

interface Sample {
  forksPerSecond: number;
  delivered?: number;
  lost?: number;
}

function forkloop(): number {
  return Number(execFileSync(path.join(OUT, 'forkloop'), [String(SECONDS)], { encoding: 'utf8' }).trim());
}

function waitForStderr(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${text}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

async function bpftrace(script: string): Promise<ChildProcess> {
  const child = spawn('bpftrace', ['-e', script], { stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'] });
  // bpftrace has no "attached" signal when its stdout goes to /dev/null;
  // its LLVM compile and attach finish well within this on our machines.
  await new Promise((r) => setTimeout(r, 4000));
  if (child.exitCode !== null) throw new Error('bpftrace exited early');
  return child;
}

async function measure(watcher: Watcher): Promise<Sample> {
  if (watcher.name !== 'kernwatch tail') {
    const child = await watcher.start();
    try {
      return { forksPerSecond: forkloop() };
    } finally {
      if (child) await stop(child);
    }
  }
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'kernwatch'), 'tail', 'process.*'], {
    stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitForStderr(child, /watching \d+ events/, 15_000);
  const forksPerSecond = forkloop();
  await stop(child);
  const m = /(\d+) events seen, (\d+) delivered, (\d+) lost/.exec(stderr);
  if (!m) throw new Error(`kernwatch printed no summary: ${stderr}`);
  return { forksPerSecond, delivered: Number(m[2]), lost: Number(m[3]) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('pipeline_overhead: skipped, needs root');
    return;
  }
  fs.mkdirSync(OUT, { recursive: true });
  execFileSync('cc', ['-O2', '-o', path.join(OUT, 'forkloop'), path.join(ROOT, 'bench', 'forkloop.c')]);
  ensureTracefs(); // bpftrace's tracepoint probes need it
  const watchers: Watcher[] = [
    { name: 'nothing attached', start: async () => undefined },
    { name: 'kernwatch tail', start: async () => undefined },
    { name: 'bpftrace printf', start: () => bpftrace(BPFTRACE_PRINTF) },
    { name: 'bpftrace count', start: () => bpftrace(BPFTRACE_COUNT) },
  ];
  const samples = new Map<string, Sample[]>(watchers.map((w) => [w.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of watchers) samples.get(w.name)?.push(await measure(w));
  }
  const base = median((samples.get('nothing attached') ?? []).map((s) => s.forksPerSecond));
  console.log(`fork+exit loop, ${ROUNDS} rounds x ${SECONDS}s, medians (all process tracepoints: ${PROCESS_TRACEPOINTS.length})`);
  console.log(`${'configuration'.padEnd(20)} ${'forks/s'.padStart(9)} ${'vs alone'.padStart(9)}   extra`);
  for (const w of watchers) {
    const ss = samples.get(w.name) ?? [];
    const fps = median(ss.map((s) => s.forksPerSecond));
    const ratio = `${(((fps - base) / base) * 100).toFixed(1)}%`;
    let extra = '';
    if (w.name === 'kernwatch tail') {
      const delivered = ss.reduce((a, s) => a + (s.delivered ?? 0), 0);
      const lost = ss.reduce((a, s) => a + (s.lost ?? 0), 0);
      extra = `records into JS: ${Math.round(delivered / (ss.length * SECONDS))}/s, lost: ${lost}`;
    }
    console.log(`${w.name.padEnd(20)} ${fps.toFixed(0).padStart(9)} ${ratio.padStart(9)}   ${extra}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

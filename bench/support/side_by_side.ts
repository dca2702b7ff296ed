/**
 * Shared parts of the overhead benchmarks: the fork+exit loop as workload,
 * watchers started and stopped around it, configurations alternated within
 * rounds so that machine noise hits them alike, medians reported as ratios.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTracefs } from '../../src/kernel/tracefs';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
const OUT = path.join(ROOT, 'bench', '.output');
export const ROUNDS = Number(process.env.ROUNDS ?? 3);
export const SECONDS = Number(process.env.SECONDS ?? 5);

export interface Sample {
  readonly forksPerSecond: number;
  /** what the watcher said when stopped, for its own figures */
  readonly stderr?: string;
}

export interface Watcher {
  readonly name: string;
  /** starts watching; resolves once attached */
  start(): Promise<ChildProcess | undefined>;
}

/** Builds the fork loop and mounts tracefs for bpftrace; false when not root. */
export function prepare(): boolean {
  if (process.getuid?.() !== 0) return false;
  fs.mkdirSync(OUT, { recursive: true });
  execFileSync('cc', ['-O2', '-o', path.join(OUT, 'forkloop'), path.join(ROOT, 'bench', 'forkloop.c')]);
  ensureTracefs();
  return true;
}

export function forkloop(): number {
  return Number(execFileSync(path.join(OUT, 'forkloop'), [String(SECONDS)], { encoding: 'utf8' }).trim());
}

/** Starts kernwatch with `args`, output to /dev/null; resolves once stderr matches `ready`. */
export async function kernwatch(args: readonly string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'kernwatch'), ...args], { stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'] });
  let text = '';
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!ready.test(text)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`kernwatch did not start: ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  (child as ChildProcess & { stderrText: () => string }).stderrText = () => text;
  return child;
}

export async function bpftrace(script: string): Promise<ChildProcess> {
  const child = spawn('bpftrace', ['-e', script], { stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'] });
  // bpftrace has no "attached" signal when its stdout goes to /dev/null;
  // its LLVM compile and attach finish well within this on our machines.
  await new Promise((r) => setTimeout(r, 4000));
  if (child.exitCode !== null) throw new Error('bpftrace exited early');
  return child;
}

export function stop(child: ChildProcess): Promise<string> {
  const text = (): string => (child as ChildProcess & { stderrText?: () => string }).stderrText?.() ?? '';
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(text());
    child.once('exit', () => resolve(text()));
    child.kill('SIGINT');
  });
}

export async function measure(w: Watcher): Promise<Sample> {
  const child = await w.start();
  const forksPerSecond = forkloop();
  const stderr = child ? await stop(child) : undefined;
  return { forksPerSecond, ...(stderr === undefined ? {} : { stderr }) };
}

export async function rounds(watchers: readonly Watcher[]): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(watchers.map((w) => [w.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of watchers) samples.get(w.name)?.push(await measure(w));
  }
  return samples;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Prints one line per configuration: median forks/s and the change against the first one. */
export function report(title: string, samples: ReadonlyMap<string, Sample[]>, extra: (name: string, s: readonly Sample[]) => string = () => ''): void {
  const names = [...samples.keys()];
  const base = median((samples.get(names[0] as string) ?? []).map((s) => s.forksPerSecond));
  console.log(`${title}, ${ROUNDS} rounds x ${SECONDS}s, medians`);
  console.log(`${'configuration'.padEnd(24)} ${'forks/s'.padStart(9)} ${'vs alone'.padStart(9)}`);
  for (const name of names) {
    const ss = samples.get(name) ?? [];
    const fps = median(ss.map((s) => s.forksPerSecond));
    console.log(`${name.padEnd(24)} ${fps.toFixed(0).padStart(9)} ${`${(((fps - base) / base) * 100).toFixed(1)}%`.padStart(9)}   ${extra(name, ss)}`);
  }
}

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
/** what bin/kernwatch's first line and the installed launcher give Node */
export const NODE_FLAGS = ['--max-semi-space-size=2'];
const OUT = path.join(ROOT, 'bench', '.output');
export const ROUNDS = Number(process.env.ROUNDS ?? 3);
export const SECONDS = Number(process.env.SECONDS ?? 5);

export interface Sample {
  readonly forksPerSecond: number;
  /** what the watcher said when stopped, for its own figures */
  readonly stderr?: string;
  /** the watcher's resident memory at the end of the loop, MiB */
  readonly rssMiB?: number;
}

/** VmRSS of `pid` in MiB; undefined when it is gone. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}

/** "kernel: N events seen, F filtered or counted in the kernel, S sent, L lost" from a dry-run's summary. */
export function kernelSummary(stderr: string | undefined): { sent: number; lost: number } | undefined {
  const m = /(\d+) sent, (\d+) lost/.exec(stderr ?? '') ?? /(\d+) events seen, (\d+) delivered, (\d+) lost/.exec(stderr ?? '');
  if (!m) return undefined;
  return m.length === 4 ? { sent: Number(m[2]), lost: Number(m[3]) } : { sent: Number(m[1]), lost: Number(m[2]) };
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

/**
 * Starts kernwatch with `args`; resolves once stderr matches `ready`. Its
 * output is kept for the summary it prints when stopped (a dry-run's on
 * stdout), except `tail`'s stream of events, which goes to /dev/null.
 */
export async function kernwatch(args: readonly string[], ready: RegExp): Promise<ChildProcess> {
  const stdout = args[0] === 'tail' ? fs.openSync('/dev/null', 'w') : 'pipe';
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin', 'kernwatch'), ...args], { stdio: ['ignore', stdout, 'pipe'] });
  let text = '';
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
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
  const rss = rssMiB(child?.pid);
  const stderr = child ? await stop(child) : undefined;
  return { forksPerSecond, ...(stderr === undefined ? {} : { stderr }), ...(rss === undefined ? {} : { rssMiB: rss }) };
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

/**
 * Prints one line per configuration: median forks/s, the change against the
 * first one, and for kernwatch the records that reached JavaScript and were
 * lost per round and its resident memory (medians).
 */
export function report(title: string, samples: ReadonlyMap<string, Sample[]>, extra: (name: string, s: readonly Sample[]) => string = () => ''): void {
  const names = [...samples.keys()];
  const base = median((samples.get(names[0] as string) ?? []).map((s) => s.forksPerSecond));
  const width = Math.max(24, ...names.map((n) => n.length));
  console.log(`${title}, ${ROUNDS} rounds x ${SECONDS}s, medians`);
  console.log(
    `${'configuration'.padEnd(width)} ${'forks/s'.padStart(9)} ${'vs alone'.padStart(9)} ${'records'.padStart(9)} ${'lost'.padStart(7)} ${'RSS MiB'.padStart(8)}`,
  );
  for (const name of names) {
    const ss = samples.get(name) ?? [];
    const fps = median(ss.map((s) => s.forksPerSecond));
    const summaries = ss.map((s) => kernelSummary(s.stderr)).filter((x) => x !== undefined);
    const records = summaries.length ? median(summaries.map((x) => x.sent)).toFixed(0) : '-';
    const lost = summaries.length ? median(summaries.map((x) => x.lost)).toFixed(0) : '-';
    const rss = ss.some((s) => s.rssMiB !== undefined) ? median(ss.map((s) => s.rssMiB ?? 0)).toFixed(1) : '-';
    const change = `${(((fps - base) / base) * 100).toFixed(1)}%`;
    console.log(
      `${name.padEnd(width)} ${fps.toFixed(0).padStart(9)} ${change.padStart(9)} ${records.padStart(9)} ${lost.padStart(7)} ${rss.padStart(8)}   ${extra(name, ss)}`,
    );
  }
}

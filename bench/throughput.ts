/**
 * The pipeline's ceiling: records through ring buffer -> addon -> decoder ->
 * evaluator as fast as the kernel makes them. Rules that want every per-CPU
 * page drain and every migration PTE removal (the two events the kernel
 * makes fastest) run in this process's engine while a child churns memory
 * (touches and frees 256 MiB, over and over) and another compacts it. Prints records
 * into JavaScript per second (peak second and mean), records lost, how late
 * a 100 ms timer ran meanwhile (the engine's ticks, which raise and resolve
 * alerts, are such timers), and where this process's time went (CPU
 * profile, top functions by self time).
 *
 *   SECONDS=10 node dist/bench/throughput.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Session } from 'node:inspector';
import { checkRuleSources } from '../src/dsl';
import { LiveEngine } from '../src/live/live_engine';

const SECONDS = Number(process.env.SECONDS ?? 10);
const RULES = `
rule "every-drain" { when mem.pcpu_drain then stdout }
rule "every-pte" { when migrate.remove_pte then stdout }
`;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** Self time per function, in ms, largest first. */
function topFunctions(profile: Profile, n: number): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n);
}

/**
 * Memory churn (drains) and compaction (migration PTE removals) for `seconds`:
 * one churning child, so that on a 2-core machine a core is left for the
 * pipeline. Each child ends by itself (timeout), even if this process is
 * too busy to kill it.
 */
function workload(seconds: number): ChildProcess[] {
  const limit = ['-s', 'KILL', String(seconds + 1)];
  const churn = spawn(
    'timeout',
    [...limit, process.execPath, '-e', 'for (;;) { const b = Buffer.alloc(256 << 20); for (let i = 0; i < b.length; i += 4096) b[i] = 1; }'],
    {
      stdio: 'ignore',
    },
  );
  const compact = spawn('timeout', [...limit, 'sh', '-c', 'while :; do echo 1 > /proc/sys/vm/compact_memory; sleep 0.2; done'], { stdio: 'ignore' });
  return [churn, compact];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('throughput: skipped, needs root');
    return;
  }
  const { rules } = checkRuleSources([{ file: 'throughput.rules', text: RULES }]);
  const engine = LiveEngine.start(rules, { host: 'bench', onNotice: () => undefined });
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.start');
  // how late a 100 ms timer fires while records flood in
  const lags: number[] = [];
  let due = performance.now() + 100;
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - due));
    due = now + 100;
  }, 100);
  const cpuBefore = process.cpuUsage();
  const children = workload(SECONDS);
  const perSecond: number[] = [];
  try {
    let last = engine.stats();
    for (let s = 0; s < SECONDS; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = engine.stats();
      perSecond.push(now.delivered - last.delivered);
      last = now;
    }
  } finally {
    clearInterval(timer);
    // SIGTERM, which timeout passes on to its command: a SIGKILL would kill only
    // timeout and leave the churn running, as it once did for an hour
    for (const c of children) c.kill('SIGTERM');
  }
  const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
  session.disconnect();
  const final = await engine.stop();
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mean = perSecond.reduce((a, b) => a + b, 0) / perSecond.length;
  console.log(`records into JavaScript (decoded and evaluated), ${SECONDS} s of memory churn and compaction:`);
  console.log(`  peak second ${Math.max(...perSecond).toLocaleString('en')}/s, mean ${Math.round(mean).toLocaleString('en')}/s`);
  console.log(
    `  kernel: ${final.total.seen.toLocaleString('en')} seen, ${final.total.sent.toLocaleString('en')} sent, ${final.total.lost.toLocaleString('en')} lost`,
  );
  for (const [event, n] of final.deliveredByEvent) console.log(`  ${event}: ${n.toLocaleString('en')} records`);
  // the reader thread's time is in it too: records per second of this process's CPU is the ceiling on one core
  console.log(
    `  this process used ${cpuSeconds.toFixed(1)} s of CPU for them: ${Math.round(final.delivered / cpuSeconds).toLocaleString('en')} records per CPU-second (the ceiling with a core to itself)`,
  );
  const sorted = [...lags].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  console.log(`  a 100 ms timer ran late by: median ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, worst ${(sorted.at(-1) ?? NaN).toFixed(0)} ms`);
  console.log('where this process spent its time (self time, top 10):');
  for (const [fn, ms] of topFunctions(profile, 10)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${fn}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

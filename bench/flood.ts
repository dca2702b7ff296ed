/**
 * Issue #23's table: does an OOM kill's alert reach its receiver on time
 * while the host is in trouble? Each row runs the real agent (`kernwatch
 * run`, rules/ plus the row's rules, a webhook notifier to a receiver in
 * this process, state in a temporary directory) through a flood, with OOM
 * kills in scratch memory cgroups spread over it, one rule each
 * (`oom.victim and cgroup matches "/kw-flood-PID/ROW/I/**"`). Quiet and
 * floods in one run, so that the machine's noise hits them alike:
 *
 *   quiet        no flood
 *   fork         a fork loop (bench/forkloop.c), a rule that ships every process.exit
 *   compaction   a 1 GiB fragmented holder, three processes mapping, touching, giving back
 *                and unmapping 384 MiB in a loop, vm.compact_memory every 0.25 s; rules that
 *                ship every page drain and migration PTE (distinct(...order) > 1000 within 10s)
 *   memcg        the same, the agent in a 512 MiB memory cgroup (the DaemonSet's limit)
 *   rules        5,000 generated rules in 1,000 files, two fork loops
 *   tail         the compaction storm, `kernwatch tail --json` of OOM victims and high-rate
 *                kinds into a pipe read slowly; the agent runs only the OOM rules
 *
 * Per row: OOM kill (the alert's startsAt, the kernel's timestamp) to the
 * webhook's arrival, p50/p90/max and how many of N came; the longest
 * /healthz silence (polled every 50 ms, 1 s timeout); the agent's peak
 * RSS; records lost and shed per kind (/metrics before and after); the
 * outbox's persist p99 where /metrics has it, with the disk it ran on.
 * Prints the figures beside the issue's targets; asserts nothing.
 *
 *   ROWS=quiet,compaction FLOOD_SECONDS=20 node --expose-gc dist/bench/flood.js
 *
 * FLOOD_SECONDS sets every row's flood (default 45 s for compaction, memcg and
 * tail, 25 s for the rest), FLOOD_SECONDS_<ROW> one row's; FLOOD_OOMS the OOM
 * kills per row (8); FLOOD_GRACE_SECONDS how long to wait after the flood for
 * alerts still missing (30); FLOOD_TAIL_READ_EVERY_MS how often the slow
 * reader takes what is in the pipe (100); FLOOD_AGENT_MEMORY_MIB the memcg row's
 * limit (512); FLOOD_CHURNERS the compaction storm's churning processes (3: the
 * issue's; more take CPU from the agent); FLOOD_KEEP=1 keeps each row's
 * directories (config, state, logs).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FloodAgent } from './support/flood_agent';
import { FloodCgroups, OOM_ALLOC_MIB, OOM_LIMIT_MIB, type OomKill } from './support/flood_cgroups';
import { generatedRuleDir } from './support/fixtures';
import {
  cpuSeconds,
  HealthzWatch,
  histogramQuantile,
  type HistogramQuantile,
  increase,
  MetricsScraper,
  parseMetrics,
  perEvent,
  RssWatch,
} from './support/probes';
import { ROOT } from './support/side_by_side';
import { SlowTail, type TailResult } from './support/slow_tail';
import { buildStorms, compactionStorm, forkStorm, type Storm } from './support/storms';
import { WebhookReceiver } from './support/webhook_receiver';

const OOMS = Number(process.env.FLOOD_OOMS ?? 8);
const GRACE_MS = Number(process.env.FLOOD_GRACE_SECONDS ?? 30) * 1000;
const TAIL_READ_EVERY_MS = Number(process.env.FLOOD_TAIL_READ_EVERY_MS ?? 100);
const AGENT_MEMORY_MIB = Number(process.env.FLOOD_AGENT_MEMORY_MIB ?? 512);
/** the flood runs this long before the first OOM kill */
const FIRST_OOM_MS = 2_000;
const TAIL_EVENTS = ['oom.victim', 'mem.pcpu_drain', 'migrate.remove_pte', 'process.exit'];

const TARGETS = { p90Ms: 1_000, maxMs: 2_000, silenceMs: 1_000, rssMiB: 256, persistMs: 100 };

const COMPACTION_RULES = {
  'flood-compaction.rules': [
    'rule "flood-drain-orders" { when distinct(mem.pcpu_drain.order) > 1000 within 10s then stdout }',
    'rule "flood-pte-orders" { when distinct(migrate.remove_pte.order) > 1000 within 10s then stdout }',
    '',
  ].join('\n'),
};

/** The issue's 5,000 rules: five shapes per service, one file per service. */
function generatedRules(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 0; n < 1000; n++) {
    files[`generated/svc-${n}.rules`] = [
      `rule "svc-${n}-oom" { when oom.victim and cgroup matches "/svc-${n}/**" severity critical then stdout }`,
      `rule "svc-${n}-forks" { when count(process.fork and comm == "f-${n}") > 1000 within 10s by cgroup then stdout }`,
      `rule "svc-${n}-killed" { when process.exit and comm == "c-${n}" and signal == 9 then stdout }`,
      `rule "svc-${n}-workers" { when process.free and comm matches "w-${n}-*" then stdout }`,
      `rule "svc-${n}-hung" { when process.hang and cgroup matches "/svc-${n}/**" then stdout }`,
      '',
    ].join('\n');
  }
  return files;
}

interface Row {
  readonly id: string;
  readonly title: string;
  readonly defaultSeconds: number;
  /** rule files beside rules/ and the OOM rules, path -> text */
  readonly rules: () => Record<string, string>;
  readonly storm?: (seconds: number) => Promise<Storm>;
  /** the agent runs in a memory cgroup with this limit */
  readonly memcgMiB?: number;
  /** a slow `tail --json` of these events runs beside the agent */
  readonly tail?: readonly string[];
  /** without rules/ */
  readonly bare?: boolean;
}

const ROWS: readonly Row[] = [
  { id: 'quiet', title: 'quiet', defaultSeconds: 25, rules: () => ({}) },
  {
    id: 'fork',
    title: 'fork storm, exits shipped',
    defaultSeconds: 25,
    rules: () => ({ 'flood-fork.rules': 'rule "flood-exit-codes" { when distinct(process.exit.exit_code) > 1000 within 10s then stdout }\n' }),
    storm: (s) => forkStorm(1, s),
  },
  { id: 'compaction', title: 'compaction storm', defaultSeconds: 45, rules: () => COMPACTION_RULES, storm: compactionStorm },
  {
    id: 'memcg',
    title: `compaction, agent in ${AGENT_MEMORY_MIB} MiB`,
    defaultSeconds: 45,
    rules: () => COMPACTION_RULES,
    storm: compactionStorm,
    memcgMiB: AGENT_MEMORY_MIB,
  },
  { id: 'rules', title: '5,000 rules, 2 fork loops', defaultSeconds: 25, rules: generatedRules, storm: (s) => forkStorm(2, s) },
  { id: 'tail', title: 'slow tail, compaction', defaultSeconds: 45, rules: () => ({}), storm: compactionStorm, tail: TAIL_EVENTS, bare: true },
];

interface Latency {
  readonly ms: number;
  /** not arrived: ms is how long it had been waited for */
  readonly missing: boolean;
}

interface RowResult {
  readonly row: Row;
  readonly seconds: number;
  readonly made: number;
  readonly latencies: readonly Latency[];
  readonly silence: { readonly longestMs: number; readonly answers: number };
  readonly rssPeakMiB: number;
  readonly lost: ReadonlyMap<string, number> | undefined;
  readonly shed: ReadonlyMap<string, number> | undefined;
  readonly persistP99: HistogramQuantile | undefined;
  readonly notes: readonly string[];
  readonly tail?: { readonly written: number; readonly made: number };
}

function rowSeconds(row: Row): number {
  return Number(process.env[`FLOOD_SECONDS_${row.id.toUpperCase()}`] ?? process.env.FLOOD_SECONDS ?? row.defaultSeconds);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const n = (x: number): string => Math.round(x).toLocaleString('en');

function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

function oomRules(row: Row, cgroups: FloodCgroups): string {
  return Array.from(
    { length: OOMS },
    (_, i) =>
      `rule "${oomRule(row, i)}" {\n  when oom.victim and cgroup matches "${cgroups.glob(row.id, i)}"\n  severity critical\n  cooldown 1h\n  then hook\n}\n`,
  ).join('');
}

const oomRule = (row: Row, i: number): string => `flood-${row.id}-oom-${i}`;

/** "event 1,234, other 56", largest first; `none` when empty. */
function kinds(m: ReadonlyMap<string, number> | undefined, none = 'none'): string {
  if (m === undefined) return '-';
  const parts = [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${n(v)}`);
  return parts.length ? parts.join(', ') : none;
}

function sum(m: ReadonlyMap<string, number> | undefined): number | undefined {
  return m === undefined ? undefined : [...m.values()].reduce((a, b) => a + b, 0);
}

/** The outbox directory's files: how many, how many `.tmp`, how many empty. */
function outboxFiles(stateDir: string): string {
  const dir = path.join(stateDir, 'outbox', 'hook');
  let files: string[];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return 'no outbox directory';
  }
  const empty = files.filter((f) => fs.statSync(path.join(dir, f)).size === 0).length;
  return `${files.length} files, ${files.filter((f) => f.endsWith('.tmp')).length} .tmp, ${empty} empty`;
}

/** Kernel records per kind between two /metrics pages: shipped to userspace, lost (ring full), shed (undefined: no such metric). */
function records(before: string | undefined, after: string | undefined): Record<'shipped' | 'lost' | 'shed', Map<string, number> | undefined> {
  const b = parseMetrics(before ?? '');
  const a = parseMetrics(after ?? '');
  const delta = (name: string): Map<string, number> | undefined => {
    const now = perEvent(a, name);
    return now === undefined ? undefined : increase(now, perEvent(b, name));
  };
  return {
    shipped: delta('kernwatch_kernel_records_sent_total'),
    lost: delta('kernwatch_kernel_records_lost_total'),
    shed: delta('kernwatch_records_shed_total'),
  };
}

/** What an operator's tools see of the agent: /healthz, its RSS, /metrics. */
class Watch {
  readonly healthz: HealthzWatch;
  readonly rss: RssWatch;
  readonly scraper: MetricsScraper;

  constructor(agent: FloodAgent) {
    this.healthz = new HealthzWatch(() => agent.port);
    this.rss = new RssWatch(() => (agent.ended === undefined ? agent.pid : undefined));
    this.scraper = new MetricsScraper(() => agent.port);
  }

  async stop(): Promise<void> {
    this.rss.stop();
    await Promise.all([this.healthz.stop(), this.scraper.stop()]);
  }
}

/**
 * After the agent ended during a row: which OOM alerts it had logged and
 * never sent, what its outbox held, and what a restart on the same state
 * directory delivers within 15 s. Returns the restarted agent.
 */
async function restartAfterDeath(
  first: FloodAgent,
  start: () => Promise<FloodAgent>,
  rules: readonly string[],
  receiver: WebhookReceiver,
  stateDir: string,
  notes: string[],
): Promise<FloodAgent> {
  const logged = new Set(
    first
      .logs()
      .filter((l) => l.msg === 'alert' && l.change === 'firing' && typeof l.rule === 'string' && rules.includes(l.rule))
      .map((l) => l.rule as string),
  );
  const neverSent = [...logged].filter((r) => !receiver.firing(r));
  notes.push(`${logged.size} OOM alerts logged by it, ${neverSent.length} of them not delivered; its outbox: ${outboxFiles(stateDir)}`);
  const restartedAt = Date.now();
  const agent = await start();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && agent.ended === undefined && rules.some((r) => !receiver.firing(r))) await sleep(50);
  const delivered = rules.filter((r) => (receiver.firing(r)?.at ?? 0) >= restartedAt).length;
  notes.push(`restarted on its state: ${delivered} OOM alerts delivered within 15 s, ${rules.filter((r) => !receiver.firing(r)).length} still missing`);
  return agent;
}

/** SIGTERM, SIGKILL after 15 s; says how it went and the agent's own count of records from its last log line. */
async function stopAgent(agent: FloodAgent): Promise<string> {
  if (agent.ended !== undefined) return `the agent had ended by itself (${agent.ended})`;
  const stopping = Date.now();
  await agent.stop();
  const took = `${((Date.now() - stopping) / 1000).toFixed(1)} s`;
  const last = agent.logs().find((l) => l.msg === 'stopped');
  const count = (k: string): string => (typeof last?.[k] === 'number' ? n(last[k]) : '?');
  return last
    ? `stopped by SIGTERM in ${took}; its own count: ${count('seen')} records seen, ${count('delivered')} delivered, ${count('lost')} lost`
    : `did not stop on SIGTERM (${agent.ended ?? 'still running'} after ${took})`;
}

async function runRow(row: Row, cgroups: FloodCgroups, receiver: WebhookReceiver): Promise<RowResult> {
  const seconds = rowSeconds(row);
  const notes: string[] = [];
  const rulesDir = row.bare ? fs.mkdtempSync(path.join(os.tmpdir(), 'kw-flood-rules-')) : generatedRuleDir(0, () => '');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `kw-flood-${row.id}-`));
  writeFiles(rulesDir, { ...row.rules(), 'flood-oom.rules': oomRules(row, cgroups) });
  const memcg = row.memcgMiB === undefined ? undefined : cgroups.memoryCgroup(`agent-${row.id}`, row.memcgMiB);
  const oomKills = cgroups.oomCgroups(row.id, OOMS);
  const startAgent = (): Promise<FloodAgent> => FloodAgent.start(work, rulesDir, receiver.url, memcg?.dir);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let agent: FloodAgent | undefined;
  let watch: Watch | undefined;
  let tail: SlowTail | undefined;
  let storm: Storm | undefined;
  try {
    const starting = Date.now();
    const first = (agent = await startAgent());
    notes.push(`agent ready in ${((Date.now() - starting) / 1000).toFixed(1)} s`);
    let endedAt: number | undefined;
    void first.group.exited.then(() => (endedAt = Date.now()));
    watch = new Watch(first);
    await sleep(2_000);
    const before = await watch.scraper.scrape(10_000);
    if (row.tail) tail = await SlowTail.start(row.tail, TAIL_READ_EVERY_MS);
    loop.enable();
    const floodStart = Date.now();
    const cpuAtStart = cpuSeconds(first.pid);
    if (row.storm) storm = await row.storm(seconds);
    // spread over the flood, the last a second or more before its end
    const every = Math.max(1_000, (seconds * 1000 - FIRST_OOM_MS - 1_000) / OOMS);
    const kills: OomKill[] = [];
    for (const [i, start] of oomKills.entries()) {
      await sleep(Math.max(0, floodStart + FIRST_OOM_MS + i * every - Date.now()));
      kills.push(await start());
    }
    await sleep(Math.max(0, floodStart + seconds * 1000 - Date.now()));
    if (storm) notes.push(await storm.stop());
    storm = undefined;
    const killed = await Promise.all(kills.map((k) => k.killed));
    const made = kills.map((k, i) => ({ kill: k, rule: oomRule(row, i) })).filter((_, i) => killed[i]);
    if (made.length < kills.length) notes.push(`${kills.length - made.length} OOM children were not OOM-killed`);
    const rules = made.map((m) => m.rule);
    const graceEnd = Date.now() + GRACE_MS;
    while (Date.now() < graceEnd && first.ended === undefined && rules.some((r) => !receiver.firing(r))) await sleep(50);
    const floodEnd = Date.now();
    const cpu = (cpuSeconds(first.pid) ?? NaN) - (cpuAtStart ?? NaN);
    if (Number.isFinite(cpu)) notes.push(`the agent used ${(cpu / ((floodEnd - floodStart) / 1000)).toFixed(2)} CPUs over the flood and the wait after it`);
    loop.disable();
    const fresh = await watch.scraper.scrape(10_000);
    const last = watch.scraper.last;
    if (fresh === undefined)
      notes.push(
        `/metrics did not answer at the end: "after" is the last page that came${last ? `, ${((floodEnd - last.at) / 1000).toFixed(0)} s before` : ': none'}`,
      );
    await watch.stop();
    const silence = watch.healthz.silence(floodStart, floodEnd);
    let tailFigures: RowResult['tail'];
    if (tail) {
      const t: TailResult = await tail.stop();
      tail = undefined;
      tailFigures = { written: made.filter((m) => t.victims.has(m.kill.pid)).length, made: made.length };
      notes.push(
        `tail wrote ${tailFigures.written} of ${made.length} OOM victims, ${n(t.lines)} lines; read ${n(t.slowBytesPerSecond / 1024)} KiB/s while slow`,
      );
      for (const line of t.summary.split('\n').filter(Boolean)) notes.push(`tail said: ${line.replace(/^kernwatch: /, '').trim()}`);
    }
    const { shipped, lost, shed } = records(before, fresh ?? last?.page);
    notes.push(`shipped to userspace: ${kinds(shipped)} (total ${n(sum(shipped) ?? 0)})`);
    notes.push(`lost: ${kinds(lost)}`);
    notes.push(`shed: ${shed === undefined ? '- (no kernwatch_records_shed_total)' : kinds(shed)}`);
    if (memcg) notes.push(`memory cgroup peak ${n((memcg.peakBytes() ?? NaN) / 2 ** 20)} of ${row.memcgMiB} MiB, ${memcg.oomKills() ?? '?'} OOM kills in it`);
    notes.push(`this process's event loop (the receiver's clock): max delay ${(loop.max / 1e6).toFixed(0)} ms; load average ${loadAverage()} at the end`);
    if (first.ended !== undefined) {
      notes.push(`the agent ended (${first.ended}) ${(((endedAt ?? floodEnd) - floodStart) / 1000).toFixed(1)} s into the flood`);
      agent = await restartAfterDeath(first, startAgent, rules, receiver, path.join(work, 'state'), notes);
    }
    notes.push(await stopAgent(agent));
    // what it delivered while stopping counts, late
    const waitedUntil = Date.now();
    const latencies = made.map(({ kill, rule }): Latency => {
      const a = receiver.firing(rule);
      if (!a) return { ms: waitedUntil - kill.madeAt, missing: true };
      // startsAt is the kernel's time of the kill; the child's start only if the payload's is implausible
      const plausible = Number.isFinite(a.startsAt) && a.startsAt >= kill.madeAt - 50 && a.startsAt <= a.at;
      if (!plausible) notes.push(`${rule}: startsAt implausible, latency from the child's start`);
      return { ms: a.at - (plausible ? a.startsAt : kill.madeAt), missing: false };
    });
    return {
      row,
      seconds,
      made: made.length,
      latencies,
      silence,
      rssPeakMiB: watch.rss.peakMiB,
      lost,
      shed,
      persistP99: histogramQuantile(parseMetrics(fresh ?? last?.page ?? ''), 'kernwatch_outbox_persist_seconds', 0.99),
      notes,
      ...(tailFigures === undefined ? {} : { tail: tailFigures }),
    };
  } finally {
    loop.disable();
    await watch?.stop();
    await storm?.stop();
    await tail?.stop();
    await agent?.stop();
    if (process.env.FLOOD_KEEP) console.error(`flood: kept ${work} and ${rulesDir}`);
    else for (const d of [work, rulesDir]) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Nearest rank: the smallest latency with at least `q` of them at or below it. */
function quantile(xs: readonly Latency[], q: number): Latency | undefined {
  const sorted = [...xs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function ms(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x < 1_000 ? `${x.toFixed(0)} ms` : `${(x / 1000).toFixed(1)} s`;
}

/** A figure, with `>` when it is only a lower bound and `!` when it misses its target. */
function latency(l: Latency | undefined, target?: number): string {
  if (!l) return '-';
  return `${l.missing ? '>' : ''}${ms(l.ms)}${target !== undefined && l.ms > target ? ' !' : ''}`;
}

function diskOf(dir: string): string {
  try {
    return execFileSync('findmnt', ['-n', '-o', 'SOURCE,FSTYPE,OPTIONS', '-T', dir], { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
  } catch {
    return 'unknown (findmnt failed)';
  }
}

/** HEAD, and how many files of src/, native/ and bpf/ differ from it in the work tree (what dist/ and the addon were built from). */
function commit(): string {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', 'src', 'native', 'bpf'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    return dirty.length ? `${head} with ${dirty.length} files of src/, native/, bpf/ changed in the work tree` : head;
  } catch {
    return 'unknown';
  }
}

const loadAverage = (): string => os.loadavg()[0]?.toFixed(1) ?? '?';

function report(results: readonly RowResult[]): void {
  const quiet = results.find((r) => r.row.id === 'quiet');
  const cols = [
    ['row', 30],
    ['secs', 5],
    ['p50', 9],
    ['p90', 10],
    ['max', 10],
    ['arrived', 8],
    ['/healthz', 11],
    ['RSS MiB', 9],
    ['lost', 10],
    ['shed', 7],
    ['persist p99', 12],
    ['tail OOMs', 10],
  ] as const;
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(cols[0][1]) : c.padStart(cols[i]?.[1] ?? 8))).join(' ');
  console.log(line(cols.map((c) => c[0])));
  console.log(line(['targets', '', '', '<= 1 s', '<= 2 s', 'all', '<= 1 s', '<= 256', '', '', '<= 100 ms', 'all']));
  for (const r of results) {
    const lostTotal = sum(r.lost);
    const shedTotal = sum(r.shed);
    // a histogram knows its p99 to within a bucket: the bucket's bound is what it can promise
    const p99 = r.persistP99 === undefined ? '-' : `<= ${ms(r.persistP99.upper * 1000)}${r.persistP99.upper * 1000 > TARGETS.persistMs ? ' !' : ''}`;
    const arrived = r.latencies.filter((l) => !l.missing).length;
    console.log(
      line([
        r.row.title,
        String(r.seconds),
        latency(quantile(r.latencies, 0.5)),
        latency(quantile(r.latencies, 0.9), TARGETS.p90Ms),
        latency(quantile(r.latencies, 1), TARGETS.maxMs),
        `${arrived}/${r.made}${arrived < r.made ? ' !' : ''}`,
        `${ms(r.silence.longestMs)}${r.silence.longestMs > TARGETS.silenceMs ? ' !' : ''}`,
        `${r.rssPeakMiB.toFixed(0)}${r.rssPeakMiB > TARGETS.rssMiB ? ' !' : ''}`,
        lostTotal === undefined ? '-' : n(lostTotal),
        shedTotal === undefined ? '-' : n(shedTotal),
        p99,
        r.tail ? `${r.tail.written}/${r.tail.made}${r.tail.written < r.tail.made ? ' !' : ''}` : '',
      ]),
    );
  }
  console.log("('!' misses the target; '>' a lower bound: not arrived when the wait ended; quantiles by nearest rank, so of 8 the p90 is the largest;");
  console.log(" RSS the agent's VmRSS peak, polled every 100 ms; persist p99 the bound of the histogram bucket it lies in)");
  for (const r of results) {
    console.log(`\n${r.row.title} (${r.row.id}, ${r.seconds} s):`);
    const p90 = quantile(r.latencies, 0.9);
    const q90 = quiet && quantile(quiet.latencies, 0.9);
    if (quiet && r !== quiet && p90 && q90 && q90.ms > 0) console.log(`  p90 ${(p90.ms / q90.ms).toFixed(1)}x quiet's`);
    console.log(`  /healthz: ${n(r.silence.answers)} answers, longest silence ${ms(r.silence.longestMs)}`);
    const p = r.persistP99;
    if (p) {
      const bucket = `${ms(p.lower * 1000)}-${ms(p.upper * 1000)}`;
      console.log(
        `  outbox persist (alert raised to entry fsynced): p99 in the ${bucket} bucket (${ms(p.value * 1000)} interpolated), mean ${ms(p.mean * 1000)}, ${n(p.count)} writes`,
      );
    }
    for (const note of r.notes) console.log(`  ${note}`);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('flood: skipped, needs root');
    return;
  }
  const noCgroups = FloodCgroups.unavailable();
  if (noCgroups) {
    console.log(`flood: skipped, ${noCgroups}`);
    return;
  }
  const wanted = (process.env.ROWS ?? ROWS.map((r) => r.id).join(',')).split(',').filter(Boolean);
  const unknown = wanted.filter((id) => !ROWS.some((r) => r.id === id));
  if (unknown.length) {
    console.error(`flood: unknown rows ${unknown.join(', ')}; rows are ${ROWS.map((r) => r.id).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const rows = ROWS.filter((r) => wanted.includes(r.id));
  if (!buildStorms()) return;
  const headAtStart = commit();
  const loadAtStart = loadAverage();
  const cgroups = FloodCgroups.create();
  const receiver = await WebhookReceiver.start();
  const results: RowResult[] = [];
  const failed: string[] = [];
  try {
    for (const row of rows) {
      console.error(`flood: ${row.title}, ${rowSeconds(row)} s ...`);
      // one row that cannot run (an agent that does not start) leaves the others' figures
      try {
        results.push(await runRow(row, cgroups, receiver));
      } catch (e) {
        failed.push(`${row.title}: ${e instanceof Error ? e.message : String(e)}`);
      }
      // what the flood left (freed memory, compaction, exiting children) settles before the next row
      await sleep(3_000);
    }
  } finally {
    await receiver.close();
    await cgroups.remove();
  }
  console.log(`flood: an OOM kill's alert to a webhook on loopback, with the host quiet and flooded (issue #23); one agent per row`);
  const headAtEnd = commit();
  console.log(`  commit ${headAtStart}${headAtEnd === headAtStart ? '' : `; at the end ${headAtEnd}`}`);
  console.log(
    `  Linux ${os.release()}, ${os.cpus().length} CPUs, ${n(os.totalmem() / 2 ** 30)} GiB; load average ${loadAtStart} at the start (others' work shares the CPUs)`,
  );
  console.log(`  state_dir on ${diskOf(os.tmpdir())}`);
  console.log(
    `  ${OOMS} OOM kills per row (a ${OOM_LIMIT_MIB} MiB memory cgroup each, ${OOM_ALLOC_MIB} MiB allocated), the first ${FIRST_OOM_MS / 1000} s into the flood; alerts still missing waited for ${GRACE_MS / 1000} s after it`,
  );
  console.log('');
  report(results);
  for (const f of failed) console.log(`\nnot measured: ${f}`);
  if (failed.length) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

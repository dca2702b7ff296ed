/**
 * What bench/flood.ts watches from outside the agent, as an operator's
 * tools would: /healthz polled like a liveness probe (every 50 ms, 1 s
 * timeout), resident memory from /proc, and /metrics scraped like
 * Prometheus, parsed into per-event counters and histogram quantiles.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { rssMiB } from './side_by_side';

/** GET on the agent's loopback port; status 0 when nothing answered within `timeoutMs`. */
export function get(port: number, urlPath: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls /healthz every 50 ms (one request at a time, 1 s timeout) until stopped; keeps when each answer came. */
export class HealthzWatch {
  private readonly answers: number[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(port: () => number) {
    this.done = (async () => {
      while (this.running) {
        const started = Date.now();
        if ((await get(port(), '/healthz', 1_000)).status === 200) this.answers.push(Date.now());
        await sleep(Math.max(0, 50 - (Date.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** The longest time without an answer within [from, to], ms; and how many answers came in it. */
  silence(from: number, to: number): { longestMs: number; answers: number } {
    const inside = this.answers.filter((t) => t >= from && t <= to);
    let longest = 0;
    let last = from;
    for (const t of [...inside, to]) {
      longest = Math.max(longest, t - last);
      last = t;
    }
    return { longestMs: longest, answers: inside.length };
  }
}

/** The largest VmRSS of whichever process `pid()` names, sampled every 100 ms. */
export class RssWatch {
  peakMiB = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(pid: () => number | undefined) {
    this.timer = setInterval(() => {
      const rss = rssMiB(pid());
      if (rss !== undefined) this.peakMiB = Math.max(this.peakMiB, rss);
    }, 100);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** CPU seconds (user + system) `pid` has used, from /proc/PID/stat; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // the fields after the command name, which may hold spaces and parentheses
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    // utime and stime, fields 14 and 15, in clock ticks: 100 a second on Linux
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A Prometheus text page as series; comments and malformed lines skipped. */
export function parseMetrics(page: string): Series[] {
  const out: Series[] = [];
  for (const line of page.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** `name`'s value per `event` label (and `where`, when it has one), summed over its other labels; undefined when the page has no such series. */
export function perEvent(series: readonly Series[], name: string): Map<string, number> | undefined {
  const found = series.filter((s) => s.name === name);
  if (found.length === 0) return undefined;
  const out = new Map<string, number>();
  for (const s of found) {
    const key = `${s.labels.event ?? ''}${s.labels.where ? ` (${s.labels.where})` : ''}`;
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** after - before, per key; keys whose difference is 0 left out. */
export function increase(after: ReadonlyMap<string, number>, before: ReadonlyMap<string, number> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before?.get(k) ?? 0);
    if (d !== 0) out.set(k, d);
  }
  return out;
}

export interface HistogramQuantile {
  /** interpolated within its bucket as Prometheus's histogram_quantile does */
  readonly value: number;
  /** the bucket it lies in: (lower, upper]; upper is Infinity past the last finite bound */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** sum / count: exact, where the quantile is only as fine as the buckets */
  readonly mean: number;
}

/**
 * The `q` quantile of histogram `name`, summed over its labels but `le`;
 * undefined when the page has no such histogram or it has no observations.
 */
export function histogramQuantile(series: readonly Series[], name: string, q: number): HistogramQuantile | undefined {
  const buckets = new Map<number, number>();
  let total = 0;
  for (const s of series) {
    if (s.name === `${name}_sum`) total += s.value;
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const count = sorted.at(-1)?.[1] ?? 0;
  if (count === 0) return undefined;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const [upper, n] of sorted) {
    if (n >= rank) {
      const value = upper === Infinity ? Infinity : lower + ((upper - lower) * (rank - below)) / Math.max(1, n - below);
      return { value, lower, upper, count, mean: total / count };
    }
    lower = upper;
    below = n;
  }
  return { value: Infinity, lower, upper: Infinity, count, mean: total / count };
}

/** Scrapes /metrics every `everyMs` (one at a time, `timeoutMs` each) as Prometheus would; keeps the last page that came. */
export class MetricsScraper {
  last: { readonly at: number; readonly page: string } | undefined;
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly port: () => number,
    everyMs = 10_000,
    private readonly timeoutMs = 5_000,
  ) {
    this.done = (async () => {
      while (this.running) {
        await this.scrape();
        for (let waited = 0; this.running && waited < everyMs; waited += 100) await sleep(100);
      }
    })();
  }

  /** One scrape now; the page, or undefined when none came in time. */
  async scrape(timeoutMs = this.timeoutMs): Promise<string | undefined> {
    const r = await get(this.port(), '/metrics', timeoutMs);
    if (r.status !== 200) return undefined;
    this.last = { at: Date.now(), page: r.body };
    return r.body;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/**
 * `kernwatch rules test PATH... [--duration 30s] [--config FILE] [--json] [--send]`
 * runs rules on the live host and reports what would have fired, sending
 * nothing unless --send (then marked as a test).
 * `kernwatch rules test PATH... --replay events.jsonl [--expect expect.yaml]`
 * replays a recording deterministically, without root, and compares.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import type { Alert } from '../engine/alert';
import { LiveEngine, type LiveStats } from '../live/live_engine';
import { compareExpectations, ExpectationError, parseExpectations } from '../engine/expectations';
import { replay } from '../engine/replay';
import type { AlertNotice } from '../engine/rule_state';
import { EventJsonError, recordingFromJsonLines, type Recording } from '../events/event_json';
import { Dispatcher } from '../notifiers/dispatcher';
import type { Config } from '../config/config';
import { scopeRules, unscopedText } from '../dsl';
import { CgroupPaths } from '../events/cgroup_paths';
import { RECORDING_MAX_BYTES, TextFileError, readTextFile } from '../config/text_file';
import { loadRules } from './load_rules';
import { noticeJson, renderNotice } from './render_notice';
import { untilSignalOr } from './signals';
import { parseDuration, UsageError } from './usage_error';

export async function rulesTestCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      duration: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      send: { type: 'boolean', default: false },
      replay: { type: 'string' },
      expect: { type: 'string' },
      host: { type: 'string' },
      scope: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.expect !== undefined && values.replay === undefined) throw new UsageError('--expect needs --replay');
  if (values.send && values.config === undefined) throw new UsageError('--send needs --config, which says where to send');
  const loaded = loadRules(positionals, values.config);
  if (!loaded) return 1;
  const host = values.host ?? loaded.config?.host ?? os.hostname();
  if (values.replay !== undefined) return replayTest(loaded.rules, values.replay, values.expect, host, values.json === true);
  const durationMs = parseDuration(values.duration ?? '30s', '--duration');
  const scope = values.scope === undefined ? undefined : checkScope(values.scope);
  const rules = scope === undefined ? loaded.rules : scopeRules(loaded.rules, scope);
  return liveTest(rules, durationMs, host, values.json === true, values.send ? loaded.config : undefined, scope);
}

/** A v2 cgroup that exists: the rules will see it as their root. */
function checkScope(scope: string): string {
  if (!scope.startsWith('/') || scope === '/' || scope.endsWith('/')) throw new UsageError(`--scope: '${scope}' is not a cgroup path such as /kernwatch-demo`);
  const dir = CgroupPaths.forHost().directoryOf(0, scope);
  if (dir === undefined) throw new UsageError('--scope needs the cgroup v2 hierarchy, which is not mounted here');
  if (!fs.existsSync(dir)) throw new UsageError(`--scope: no cgroup ${scope} (${dir} does not exist)`);
  return scope;
}

/** An alert as seen from inside the scope: its cgroup paths relative to it. */
function unscoped(a: Alert, scope: string): Alert {
  const text = (s: string): string => unscopedText(s, scope);
  const fields = Object.fromEntries(Object.entries(a.fields).map(([k, v]) => [k, typeof v === 'string' && k === 'cgroup' ? text(v) : v]));
  const labels = Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [k, k === 'cgroup' ? text(v) : v]));
  return { ...a, summary: text(a.summary), ...(a.description ? { description: text(a.description) } : {}), fields, labels };
}

function replayTest(rules: Parameters<typeof replay>[0], eventsFile: string, expectFile: string | undefined, host: string, json: boolean): number {
  let recording: Recording;
  let expected;
  try {
    recording = recordingFromJsonLines(readTextFile(eventsFile, RECORDING_MAX_BYTES, 'recording'), eventsFile);
    expected = expectFile === undefined ? undefined : parseExpectations(readTextFile(expectFile, RECORDING_MAX_BYTES, 'expectation file'), expectFile);
  } catch (e) {
    if (!(e instanceof EventJsonError || e instanceof ExpectationError || e instanceof TextFileError)) throw e;
    process.stderr.write(`kernwatch: ${e.message}\n`);
    return 1;
  }
  const { events, gaps } = recording;
  const result = replay(rules, events, { host, gaps });
  const missing = gaps.reduce((n, g) => n + Object.values(g.missing).reduce((a, b) => a + b, 0), 0);
  if (missing > 0)
    process.stderr.write(
      `kernwatch: ${eventsFile}: the recording says ${missing} records are missing from it (gap lines); alerts over them are marked degraded\n`,
    );
  if (json) {
    process.stdout.write(`${JSON.stringify({ events: events.length, sent: result.sent, counted: result.counted, notices: result.notices.map(noticeJson) })}\n`);
  } else {
    process.stdout.write(
      `replayed ${events.length} events: ${result.sent} reached userspace, ${result.counted} counted in the kernel, ${result.notices.length} notifications\n`,
    );
    for (const n of result.notices) process.stdout.write(`${renderNotice(n)}\n`);
  }
  if (!expected || expectFile === undefined) return 0;
  const diff = compareExpectations(expected, result.notices);
  if (diff.length === 0) {
    process.stderr.write(`${expectFile}: ok (${expected.length} expected)\n`);
    return 0;
  }
  process.stderr.write(`${expectFile}: the replay does not raise what is expected (- expected, + got):\n${diff.join('\n')}\n`);
  return 1;
}

async function liveTest(
  rules: Parameters<typeof replay>[0],
  durationMs: number,
  host: string,
  json: boolean,
  sendConfig: Config | undefined,
  scope: string | undefined,
): Promise<number> {
  const notices: AlertNotice[] = [];
  const dispatcher = sendConfig ? await Dispatcher.open(sendConfig, { durable: false }) : undefined;
  const sends: Promise<unknown>[] = [];
  let readerError: Error | undefined;
  let engine: LiveEngine;
  try {
    engine = LiveEngine.start(rules, {
      host,
      onNotice: (raw) => {
        const n = scope === undefined ? raw : { ...raw, alert: unscoped(raw.alert, scope) };
        notices.push(n);
        if (!json) clearProgress();
        if (!json) process.stdout.write(`${renderNotice(n)}\n`);
        if (dispatcher) {
          const alert: Alert = { ...n.alert, test: true };
          for (const t of n.actions) if (dispatcher.has(t.notifier)) sends.push(dispatcher.dispatch(t.notifier, { alert, args: t.args }));
        }
      },
      onError: (e) => {
        readerError = e;
      },
    });
  } catch (e) {
    await dispatcher?.close();
    throw e;
  }
  for (const u of engine.unavailable()) {
    process.stderr.write(`kernwatch: warning: ${u.event} is unavailable on this kernel (${u.reason}); cannot fire: ${u.rules.join(', ')}\n`);
  }
  for (const d of engine.degraded()) {
    process.stderr.write(`kernwatch: note: ${d.event} runs with less detail on this host (${d.reason}); used by: ${d.rules.join(', ')}\n`);
  }
  const started = performance.now(); // the time left is monotonic: a wall-clock step moves it not
  const progress = !json && process.stderr.isTTY ? setInterval(() => showProgress(engine.stats(), notices.length, started, durationMs), 500) : undefined;
  // on stderr in --json mode too: it says when the rules are live
  const where = scope === undefined ? 'on this host' : `in cgroup ${scope} (seen by the rules as /)`;
  process.stderr.write(
    `kernwatch: testing ${rules.length} rules ${where} for ${durationMs / 1000}s (nothing is sent${dispatcher ? ' but test alerts' : ''}); Ctrl-C stops early\n`,
  );
  try {
    await untilSignalOr(durationMs);
  } finally {
    if (progress) clearInterval(progress);
    clearProgress();
  }
  const stats = await engine.stop();
  if (dispatcher) {
    await Promise.allSettled(sends);
    await dispatcher.flush(10_000);
    await dispatcher.close();
  }
  if (json) process.stdout.write(`${JSON.stringify(jsonReport(rules, stats, notices))}\n`);
  else process.stdout.write(textReport(rules, stats, notices));
  if (readerError) {
    process.stderr.write(`kernwatch: reading events failed: ${readerError.message}\n`);
    return 1;
  }
  return 0;
}

function showProgress(s: LiveStats, alerts: number, started: number, durationMs: number): void {
  const left = Math.max(0, Math.ceil((durationMs - (performance.now() - started)) / 1000));
  process.stderr.write(
    `\r\x1b[K${left}s left  events seen ${s.total.seen}, filtered in kernel ${s.total.filtered}, delivered ${s.delivered}, lost ${s.total.lost}, alerts ${alerts}`,
  );
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

function textReport(rules: Parameters<typeof replay>[0], stats: LiveStats, notices: readonly AlertNotice[]): string {
  const t = stats.total;
  const lines = [
    '',
    `kernel: ${t.seen} events seen, ${t.filtered} filtered or counted in the kernel, ${t.sent} sent, ${t.lost} lost${t.missed ? `, ${t.missed} skipped (program already running on that CPU)` : ''}`,
    `${'rule'.padEnd(28)} ${'kernel'.padStart(9)} ${'matched'.padStart(9)} ${'alerts'.padStart(7)}`,
  ];
  for (const r of rules) {
    const s = stats.evaluator.perRule.get(r.name);
    const alerts = notices.filter((n) => n.alert.rule === r.name && n.change === 'firing').length;
    lines.push(`${r.name.padEnd(28)} ${String(s?.kernelMatched ?? 0).padStart(9)} ${String(s?.matched ?? 0).padStart(9)} ${String(alerts).padStart(7)}`);
  }
  return `${lines.join('\n')}\n`;
}

function jsonReport(rules: Parameters<typeof replay>[0], stats: LiveStats, notices: readonly AlertNotice[]): Record<string, unknown> {
  return {
    kernel: { ...stats.total, perEvent: Object.fromEntries(stats.counters) },
    delivered: stats.delivered,
    rules: rules.map((r) => ({ rule: r.name, ...(stats.evaluator.perRule.get(r.name) ?? {}) })),
    notices: notices.map(noticeJson),
  };
}

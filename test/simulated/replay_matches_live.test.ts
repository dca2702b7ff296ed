/**
 * A recording made beside a live run (as `kernwatch record` makes one, JSON
 * lines with mono_ns) replays, through `rules test --replay`'s path, to the
 * alerts the live engine raised in that run. Both run on one simulated
 * kernel, as an agent and a recorder run on one host.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replay } from '../../src/engine/replay';
import type { AlertNotice } from '../../src/engine/rule_state';
import { eventToJson } from '../../src/events/event';
import { recordingFromJsonLines } from '../../src/events/event_json';
import { LiveEngine } from '../../src/live/live_engine';
import { KernelSession } from '../../src/live/session';
import { SimulatedKernel } from '../../src/live/simulated_kernel';
import { retryUntil } from '../support/bounded';
import { rulesFrom } from '../engine/helpers';

const RULES = `
rule "oom" { when oom.victim then stdout }
rule "prod-exits" { when process.exit and cgroup matches "/prod/**" then stdout }
rule "crashes" { when count(process.exit and signal == 11) >= 3 within 30s by comm then stdout }
rule "forks" { when count(process.fork) >= 5 within 30s by cgroup then stdout }
`;

/** What a person reads of an alert's firing: which rule, for what. */
const firing = (notices: readonly AlertNotice[]): string[] =>
  notices
    .filter((n) => n.change === 'firing')
    .map((n) => {
      const labels = Object.entries(n.alert.labels).filter(([k]) => k !== 'host' && k !== 'alertname' && k !== 'severity');
      return `${n.alert.rule} ${JSON.stringify(Object.fromEntries(labels.sort(([a], [b]) => a.localeCompare(b))))}`;
    })
    .sort();

test('a recording of a live run replays to the alerts the run raised', async () => {
  const kernel = new SimulatedKernel();
  kernel.mkdir('/prod/api');
  kernel.mkdir('/batch/a');
  const rules = rulesFrom(RULES);
  const live: AlertNotice[] = [];
  const lines: string[] = [];
  const engine = LiveEngine.start(rules, { host: 'sim', tickMs: 20, onNotice: (n) => live.push(n), kernel });
  const recorder = KernelSession.start({
    kernel,
    events: engine.plan.events,
    onEvents: (batch) => lines.push(...batch.map((e) => JSON.stringify(eventToJson(e)))),
  });
  try {
    const exit = (comm: string, signal: number, cgroup?: string): void =>
      kernel.fire({ event: 'process.exit', ...(cgroup ? { cgroup } : {}), members: { comm, pid: 100, tgid: 100, signal, exit_code: signal } });
    kernel.fire({ event: 'oom.victim', cgroup: '/prod/api', members: { comm: 'java', pid: 7, tgid: 7, anon_rss_kb: 1 << 20 } });
    exit('web', 0, '/prod/api');
    exit('job', 0, '/batch/a');
    for (let i = 0; i < 3; i++) exit('segv', 11);
    exit('other', 11);
    for (let i = 0; i < 6; i++) kernel.fire({ event: 'process.fork', cgroup: '/batch/a', members: { comm: 'make', pid: 200 + i, tgid: 200 + i } });
    for (let i = 0; i < 2; i++) kernel.fire({ event: 'process.fork', cgroup: '/prod/api', members: { comm: 'nginx', pid: 300 + i, tgid: 300 + i } });
    await retryUntil('the live alerts', 10_000, () => (firing(live).length >= 4 ? true : undefined));
  } finally {
    await engine.stop();
    await recorder.stop();
    recorder.close();
    kernel.dispose();
  }
  const recording = recordingFromJsonLines(lines.join('\n'), 'live.jsonl');
  assert.ok(
    recording.events.every((e) => e.monoNs > 0n),
    'the recording carries mono_ns',
  );
  const replayed = replay(rules, recording.events, { host: 'sim', tickMs: 20 });
  assert.deepEqual(firing(live), ['crashes {"comm":"segv"}', 'forks {"cgroup":"/batch/a"}', 'oom {}', 'prod-exits {}']);
  assert.deepEqual(firing(replayed.notices), firing(live));
});

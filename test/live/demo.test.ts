/**
 * `make demo`, as a new user runs it: the rule library fires on what the
 * demo makes, in the demo's own cgroups, with the right cgroup in each
 * alert, and nothing from anyone else on the host.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { NEEDS_ROOT } from '../support/root';
import { memoryUnavailable } from '../support/scratch_cgroup';

const ROOT = path.join(__dirname, '..', '..', '..');

test(
  'make demo: prod-oom fires in /prod/api, the catch-all in /batch/nightly, killed-after-start in /jobs, nothing else',
  { skip: NEEDS_ROOT || memoryUnavailable(), timeout: 120_000 },
  (t) => {
    const r = spawnSync('bash', ['scripts/demo.sh'], { cwd: ROOT, timeout: 110_000, encoding: 'utf8' });
    t.diagnostic(r.stdout.split('\n').slice(-25).join('\n'));
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const alerts = [...r.stdout.matchAll(/^\[FIRING:(\w+)\] (\S+) on .*\n {4}(.*)\n {4}(.*)$/gm)].map(([, severity, rule, summary, fields]) => ({
      severity,
      rule,
      summary,
      cgroup: /(?:^| )cgroup=(\S+)/.exec(fields ?? '')?.[1],
    }));
    const fired = (rule: string): string[] => alerts.filter((a) => a.rule === rule).map((a) => a.cgroup ?? '?');
    assert.deepEqual(fired('prod-oom'), ['/prod/api']);
    assert.equal(alerts.find((a) => a.rule === 'prod-oom')?.severity, 'critical');
    assert.deepEqual(fired('prod_oom/oom.victim'), ['/batch/nightly']);
    assert.ok(fired('killed-after-start').includes('/jobs'), `killed-after-start in /jobs: ${JSON.stringify(alerts)}`);
    assert.deepEqual(fired('cgroup-frozen-too-long'), [], 'a one-second freeze pages no one');
    for (const a of alerts) assert.match(a.cgroup ?? '', /^\/(prod|batch|jobs)(\/|$)/, `only the demo's own cgroups: ${JSON.stringify(a)}`);
    assert.match(r.stdout, /^rule +kernel +matched +alerts$/m, 'the summary table');
    assert.match(r.stdout, /== Next steps/);
  },
);

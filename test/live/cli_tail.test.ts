import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { NEEDS_ROOT } from '../support/root';
import { runCli, startCli } from '../support/run_cli';

test('tail --json streams the forks it sees and ends with seen/delivered/lost counts', { skip: NEEDS_ROOT }, async () => {
  const running = startCli(['tail', 'process.fork', '--duration', '3', '--json']);
  await running.stderrMatches(/watching \d+ events/);
  const children: number[] = [];
  for (let i = 0; i < 10; i++) children.push(spawnSync('/bin/true').pid);
  const { code, stdout, stderr } = await running.done;
  assert.equal(code, 0, stderr);
  const events = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const ours = events.filter((e) => children.includes(e.child_pid as number));
  assert.equal(ours.length, 10, 'every child pid appears once');
  for (const e of ours) {
    assert.equal(e.event, 'process.fork');
    assert.equal(e.tgid, process.pid);
    assert.equal(typeof e.cgroup_id, 'string');
  }
  const summary = /(\d+) events seen, (\d+) delivered, (\d+) lost/.exec(stderr);
  assert.ok(summary, stderr);
  assert.equal(Number(summary[2]), events.length);
  assert.ok(Number(summary[1]) >= events.length);
  assert.equal(Number(summary[3]), 0);
});

test('without the capabilities to trace, kernwatch says so in one line and exits 2', { skip: NEEDS_ROOT }, async () => {
  // root with every capability dropped: still able to read the checkout wherever CI put it
  const { code, stdout, stderr } = await runCli(['tail', '--duration', '1'], {
    prefix: ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--'],
  });
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /^kernwatch: kernwatch needs root or CAP_BPF with CAP_PERFMON to load BPF programs\n$/);
});

test('an unknown event or a bad duration is a one-line usage error and the usage, exit 2', async () => {
  const unknown = await runCli(['tail', 'oom.victm']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "kernwatch: unknown event 'oom.victm' (see 'kernwatch events')\nusage: kernwatch tail [EVENT...] [--duration S] [--json]\n");
  const duration = await runCli(['tail', '--duration', 'soon']);
  assert.equal(duration.code, 2);
  assert.match(duration.stderr, /^kernwatch: --duration: 'soon' is not a duration/);
  const option = await runCli(['tail', '--bogus']);
  assert.equal(option.code, 2);
  assert.equal(option.stderr, "kernwatch: unknown option '--bogus'\nusage: kernwatch tail [EVENT...] [--duration S] [--json]\n");
});

test('events --json lists all 21 events with typed fields', async () => {
  const { code, stdout } = await runCli(['events', '--json']);
  assert.equal(code, 0);
  const catalog = JSON.parse(stdout) as Array<{ name: string; fields: Array<{ name: string; type: string }> }>;
  assert.equal(catalog.length, 21);
  const oom = catalog.find((e) => e.name === 'oom.victim');
  assert.deepEqual(
    oom?.fields.find((f) => f.name === 'memcg'),
    {
      name: 'memcg',
      type: 'path',
      doc: "the victim's memory cgroup (v1 memory hierarchy on hybrid hosts)",
    },
  );
});

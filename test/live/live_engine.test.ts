/**
 * Rules on the live kernel: events no rule wants never reach userspace; an
 * OOM in a cgroup created after load still alerts; a fork storm counted in
 * the kernel fires with the right count and zero records, and so does a max
 * kept there; a reload switches
 * rule sets at once.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { sleep } from '../support/bounded';
import { compactMemory } from '../support/compaction';
import { noticeFor, oomIn, withEngine } from '../support/live_engine';
import { runNamed } from '../support/named_process';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, v1Unavailable, v2Unavailable } from '../support/scratch_cgroup';
import { rulesFrom } from '../engine/helpers';
import { PATH_CACHE_EVENTS } from '../../src/events/cgroup_paths';
import { totalCounters } from '../../src/live/stats';

const SKIP = NEEDS_ROOT || v2Unavailable();
const CACHE_EVENTS: ReadonlySet<string> = new Set(PATH_CACHE_EVENTS);

test('with rules that match nothing here, a thousand forks and a compaction pass deliver zero records', { skip: SKIP }, async () => {
  const rules = `
    when process.fork and comm == "kw-nobody" then stdout
    when count(process.exit and uid == 4242) > 1 within 1s then stdout
    when migrate.pages and reason == damon then stdout
    when migrate.remove_pte and order > 20 then stdout
    when mem.pcpu_drain and comm == "kw-nobody" then stdout
  `;
  await withEngine(rules, async (engine) => {
    const loop = spawnSync('sh', ['-c', 'i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done'], { timeout: 120_000 });
    assert.equal(loop.status, 0);
    await compactMemory();
    const stats = await engine.stop();
    const fork = stats.counters.get('process.fork');
    const exit = stats.counters.get('process.exit');
    const migrate = stats.counters.get('migrate.pages');
    assert.ok(fork && fork.seen >= 1000, `forks seen in the kernel: ${fork?.seen}`);
    assert.ok(exit && exit.seen >= 1000, `exits seen in the kernel: ${exit?.seen}`);
    assert.ok(migrate && migrate.seen > 0, 'the compaction pass ran migrations');
    // but the path cache's cgroup records, sent whatever the rules (a cgroup another test removed may be released now)
    const ruled = totalCounters(new Map([...stats.counters].filter(([event]) => !CACHE_EVENTS.has(event))));
    assert.equal(ruled.sent, 0, 'records sent to userspace');
    assert.equal(stats.delivered - [...CACHE_EVENTS].reduce((n, e) => n + (stats.deliveredByEvent.get(e) ?? 0), 0), 0, 'records delivered to JavaScript');
    assert.equal(ruled.filtered, ruled.seen);
  });
});

test('an OOM in a cgroup created after the rules were loaded still alerts, with or without its parent existing at load', { skip: SKIP }, async () => {
  const scratch = ScratchCgroup.v2();
  const memcg = v1Unavailable('memory') ? undefined : ScratchCgroup.v1('memory');
  const lateParent = path.join(path.dirname(scratch.dir), `${path.basename(scratch.dir)}-late`);
  try {
    if (!memcg) fs.writeFileSync(path.join(scratch.dir, 'cgroup.subtree_control'), '+memory');
    const rules = `
      rule "race-existing-parent" { when oom.victim and cgroup matches "${scratch.path}/**" then stdout }
      rule "race-late-parent" { when oom.victim and cgroup matches "/${path.basename(lateParent)}/*" then stdout }
    `;
    await withEngine(rules, async (engine, notices) => {
      const fresh = path.join(scratch.dir, 'fresh');
      fs.mkdirSync(fresh);
      const victim = oomIn(fresh, memcg?.dir);
      const n = await noticeFor(notices, (x) => x.alert.rule === 'race-existing-parent', 5000);
      assert.equal(n.alert.fields.pid, victim);
      assert.equal(n.alert.fields.cgroup, `${scratch.path}/fresh`);
      fs.mkdirSync(lateParent);
      fs.mkdirSync(path.join(lateParent, 'x'));
      if (!memcg) fs.writeFileSync(path.join(lateParent, 'cgroup.subtree_control'), '+memory');
      const second = oomIn(path.join(lateParent, 'x'), memcg?.dir);
      const m = await noticeFor(notices, (x) => x.alert.rule === 'race-late-parent', 5000);
      assert.equal(m.alert.fields.pid, second);
      await engine.stop();
    });
  } finally {
    for (const dir of [path.join(lateParent, 'x'), lateParent]) if (fs.existsSync(dir)) fs.rmdirSync(dir);
    await scratch.remove();
    await memcg?.remove();
  }
});

test('a fork storm counted in the kernel fires with the right count while no fork record reaches userspace', { skip: SKIP }, async () => {
  const rules = `rule "storm" {
    when count(process.fork and comm == "kw-storm") > 200 within 10s
    summary "{value} forks"
    then stdout
  }`;
  await withEngine(rules, async (engine, notices) => {
    assert.equal(engine.plan.selections[0]?.counted, true, 'the rule is counted in the kernel');
    runNamed('kw-storm', 'import os\nfor _ in range(300):\n    pid = os.fork()\n    os._exit(0) if pid == 0 else os.waitpid(pid, 0)');
    const n = await noticeFor(notices, (x) => x.change === 'firing', 5000);
    assert.ok((n.alert.value ?? 0) > 200 && (n.alert.value ?? 0) <= 300, `value ${n.alert.value}`);
    await sleep(1500);
    const stats = await engine.stop();
    const fork = stats.counters.get('process.fork');
    assert.ok(fork && fork.seen >= 300);
    assert.equal(fork.sent, 0, 'fork records sent');
    assert.equal(stats.evaluator.perRule.get('storm')?.kernelMatched, 300, 'counted in the kernel: exactly our forks');
  });
});

test('a max kept in the kernel fires with the largest exit status while no exit record reaches userspace', { skip: SKIP }, async () => {
  const rules = `rule "worst-exit" {
    when max(process.exit.exit_status and comm == "kw-max") >= 7 within 10s
    summary "exit {value}"
    then stdout
  }`;
  await withEngine(rules, async (engine, notices) => {
    assert.equal(engine.plan.selections[0]?.counted, true, 'the rule is counted in the kernel');
    for (const code of [3, 7, 5]) runNamed('kw-max', `import os\nos._exit(${code})`, code);
    const n = await noticeFor(notices, (x) => x.change === 'firing', 5000);
    assert.equal(n.alert.value, 7);
    const stats = await engine.stop();
    assert.equal(stats.counters.get('process.exit')?.sent, 0, 'exit records sent');
    assert.equal(stats.evaluator.perRule.get('worst-exit')?.kernelMatched, 3, 'counted in the kernel: exactly our exits');
  });
});

test('a reload switches to the new rule set at once and keeps unchanged rules alerting', { skip: SKIP }, async () => {
  const keep = 'rule "keep" { when process.exit and comm == "kw-keep" cooldown 1h then stdout }';
  await withEngine(`${keep}\nrule "a" { when process.exit and comm == "kw-a" then stdout }`, async (engine, notices) => {
    const exitAs = (comm: string): void => runNamed(comm, 'pass');
    exitAs('kw-a');
    exitAs('kw-keep');
    await noticeFor(notices, (x) => x.alert.rule === 'a', 3000);
    await noticeFor(notices, (x) => x.alert.rule === 'keep', 3000);
    const plan = await engine.reload(rulesFrom(`${keep}\nrule "b" { when process.exit and comm == "kw-b" then stdout }`));
    assert.deepEqual(
      plan.selections.map((s) => s.rule.name),
      ['keep', 'b'],
    );
    exitAs('kw-a');
    exitAs('kw-b');
    exitAs('kw-keep');
    await noticeFor(notices, (x) => x.alert.rule === 'b', 3000);
    await sleep(500);
    await engine.stop();
    assert.equal(notices.filter((x) => x.alert.rule === 'a' && x.change === 'firing').length, 1, 'the removed rule stopped at once');
    assert.equal(notices.filter((x) => x.alert.rule === 'keep' && x.change === 'firing').length, 1, 'the kept rule kept its alert: no second firing');
  });
});

test(
  'reloads back to back under a stream of records route every record with the rules it was filtered by: none is dropped unrouted',
  { skip: SKIP },
  async () => {
    const rule = (name: string, comm: string): string => `rule "${name}" { when process.exit and comm == "${comm}" cooldown 1h then stdout }`;
    await withEngine(rule('r0', 'kw-r0'), async (engine) => {
      // children that name themselves (prctl) and exit: a steady stream of exits of the three comms
      const script = `import ctypes, os\nlibc = ctypes.CDLL(None)\nfor i in range(400):\n    for name in (b'kw-r0', b'kw-r1', b'kw-r2'):\n        pid = os.fork()\n        if pid == 0:\n            libc.prctl(15, name, 0, 0, 0)\n            os._exit(0)\n        os.waitpid(pid, 0)\n`;
      const stream = spawn('python3', ['-c', script], { stdio: 'ignore' });
      try {
        await sleep(200);
        // three reloads at once: each waits until the generation it writes over has no record left
        await Promise.all([
          engine.reload(rulesFrom(`${rule('r0', 'kw-r0')}\n${rule('r1', 'kw-r1')}`)),
          engine.reload(rulesFrom(`${rule('r0', 'kw-r0')}\n${rule('r2', 'kw-r2')}`)),
          engine.reload(rulesFrom(`${rule('r0', 'kw-r0')}\n${rule('r1', 'kw-r1')}\n${rule('r2', 'kw-r2')}`)),
        ]);
        await new Promise((resolve) => stream.once('exit', resolve));
      } finally {
        stream.kill('SIGKILL');
      }
      const stats = await engine.stop();
      assert.equal(stats.unrouted, 0, 'records left without an evaluator');
      assert.deepEqual(
        engine.plan.selections.map((s) => s.rule.name),
        ['r0', 'r1', 'r2'],
      );
      assert.ok((stats.evaluator.perRule.get('r0')?.matched ?? 0) > 0, 'the rule kept through every reload kept matching');
    });
  },
);

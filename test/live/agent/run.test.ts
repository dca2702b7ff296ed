/**
 * `kernwatch run` end to end, live: the agent process runs a rules
 * directory against a scratch memory cgroup, with a real SMTP server and an
 * HTTP receiver standing in for Slack; a test OOM-kills a process there and
 * watches the alert arrive, survive a broken reload, and be flushed at exit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';
import { EVENTS } from '../../../src/events/catalog';
import { retryUntil, sleep } from '../../support/bounded';
import { oomKillIn } from '../../support/oom';
import { onThisKernel } from '../../support/kernel_events';
import { NEEDS_ROOT } from '../../support/root';
import { memoryUnavailable, ScratchCgroup } from '../../support/scratch_cgroup';
import { MailSink, Receiver, parseMail, tempDir } from '../../notifiers/support';
import { AgentProcess, sample, writeFiles } from '../../agent/support';

const SKIP = NEEDS_ROOT || memoryUnavailable();
/** the promise: the page arrives within 2 s of the kill */

interface Setup {
  readonly dir: string;
  readonly cg: ScratchCgroup;
  readonly mail: MailSink;
  readonly slack: Receiver;
  readonly env: NodeJS.ProcessEnv;
}

function oomRule(name: string, cg: ScratchCgroup, then = 'mail, oncall'): string {
  return `rule "${name}" {
  when oom.victim and memcg == "${cg.path}"
  severity critical
  summary "{comm} ({pid}) OOM-killed in {memcg}"
  then ${then}
}
`;
}

function configYaml(s: { mail: MailSink }, extra = ''): string {
  return `host: agent-test
state_dir: ./state
rules: [rules/]
metrics: { listen: "127.0.0.1:0" }
notifiers:
  oncall: { type: slack, url_env: SLACK_URL, min_interval: 1s, timeout: 2s }
  mail:
    type: email
    smtp: { host: 127.0.0.1, port: ${s.mail.port}, tls: none }
    from: kernwatch@example.com
    to: [sre@example.com]
    timeout: 2s
${extra}`;
}

/** A scratch memory cgroup, the two receivers and a directory for the config; all removed afterwards. */
async function withSetup(body: (s: Setup) => Promise<void>): Promise<void> {
  const dir = tempDir('agent');
  const cg = ScratchCgroup.memory();
  let mail: MailSink | undefined;
  let slack: Receiver | undefined;
  try {
    mail = await MailSink.start();
    slack = await Receiver.start();
    await body({ dir, cg, mail, slack, env: { SLACK_URL: slack.url } });
  } finally {
    await cg.remove();
    await slack?.close();
    await mail?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the agent on `files` and waits until it runs; kills it after `body` whatever happens. */
async function withAgent(s: Setup, files: Record<string, string>, args: readonly string[], body: (a: AgentProcess) => Promise<void>): Promise<void> {
  writeFiles(s.dir, files);
  const agent = AgentProcess.start(s.dir, args, s.env);
  try {
    await agent.running();
    await body(agent);
  } finally {
    await agent.kill();
  }
}

/** OOM-kills an allocator in `cg`; returns its pid and when its death was seen. */
async function oomKill(cg: ScratchCgroup): Promise<{ pid: number; killedAt: number }> {
  const run = await oomKillIn(cg, 32, 128);
  const killedAt = Date.now();
  assert.equal(run.signal, 'SIGKILL', `the allocator was OOM-killed (exit ${run.code})`);
  return { pid: run.pid, killedAt };
}

function mailFor(mail: MailSink, pid: number): Promise<{ subject: string; text: string; at: number }> {
  return retryUntil(
    `a mail about pid ${pid}`,
    10_000,
    () => {
      for (const m of mail.mails) {
        const parsed = parseMail(m.raw);
        if (parsed.text.includes(`(${pid})`)) return { subject: parsed.headers.get('subject') ?? '', text: parsed.text, at: Date.now() };
      }
      return undefined;
    },
    5,
  );
}

function slackFor(slack: Receiver, pid: number): Promise<{ body: { text: string }; at: number }> {
  return retryUntil('a Slack post about pid ' + pid, 10_000, () => {
    const r = slack.requests.find((q) => q.body.includes(`(${pid})`));
    return r ? { body: JSON.parse(r.body) as { text: string }, at: r.at } : undefined;
  });
}

async function scrape(url: string): Promise<{ type: string | null; page: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  assert.equal(res.status, 200);
  return { type: res.headers.get('content-type'), page: await res.text() };
}

test('an OOM kill in a scratch cgroup reaches email and Slack, and the time it took is reported', { skip: SKIP, timeout: 60_000 }, async (t: TestContext) => {
  await withSetup(async (s) => {
    const files = { 'kernwatch.yaml': configYaml(s), 'rules/oom.rules': oomRule('scratch-oom', s.cg) };
    await withAgent(s, files, [], async () => {
      const { pid, killedAt } = await oomKill(s.cg);
      const [mail, post] = await Promise.all([mailFor(s.mail, pid), slackFor(s.slack, pid)]);
      t.diagnostic(`kill to email ${mail.at - killedAt} ms, kill to Slack ${post.at - killedAt} ms`);
      assert.match(mail.subject, new RegExp(`^\\[FIRING:critical\\] scratch-oom on agent-test: dd \\(${pid}\\) OOM-killed in ${s.cg.path}`));
      assert.match(post.body.text, new RegExp(`^\\[FIRING:critical\\] scratch-oom on agent-test: dd \\(${pid}\\) OOM-killed`));
    });
  });
});

test('SIGHUP with a broken rule file keeps the old rules alerting', { skip: SKIP, timeout: 60_000 }, async () => {
  await withSetup(async (s) => {
    const files = { 'kernwatch.yaml': configYaml(s), 'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall') };
    await withAgent(s, files, [], async (agent) => {
      const started = await agent.running();
      fs.writeFileSync(path.join(s.dir, 'rules/oom.rules'), oomRule('renamed-oom', s.cg, 'oncall'));
      fs.writeFileSync(path.join(s.dir, 'rules/broken.rules'), 'when oom.victim and pidd == 1 then oncall\n');
      agent.signal('SIGHUP');
      const refused = await agent.waitLog('new rules not loaded: they have errors; the running rules stay', 10_000);
      assert.equal(refused.hash, started.hash, 'the running hash is the one loaded at start');
      const located = await agent.waitLog('rule error', 1_000);
      assert.equal(located.diagnostic, `${path.join(s.dir, 'rules/broken.rules')}:1:21: error: unknown field 'pidd' on oom.victim (did you mean 'pid'?)`);

      const { pid } = await oomKill(s.cg);
      const post = await slackFor(s.slack, pid);
      assert.match(post.body.text, /scratch-oom on agent-test/, 'the old rule, not the half-edited new one, raised it');
      const { page } = await scrape(agent.metricsUrl(started));
      assert.equal(sample(page, 'kernwatch_rule_reloads_total', { result: 'failure' }), 1);
      assert.equal(sample(page, 'kernwatch_rule_set_info', { hash: String(started.hash) }), 1);
    });
  });
});

test(
  'an emptied rule file is refused with the old rules kept, a located error and a self-alert; deleting it removes its rules',
  { skip: SKIP, timeout: 60_000 },
  async () => {
    await withSetup(async (s) => {
      const files = {
        'kernwatch.yaml': configYaml(s, 'self_alerts: { notify: [oncall] }\n'),
        'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall'),
        'rules/other.rules': oomRule('other-oom', s.cg, 'oncall'),
      };
      await withAgent(s, files, [], async (agent) => {
        const started = await agent.running();
        const other = path.join(s.dir, 'rules/other.rules');
        fs.writeFileSync(other, '');
        agent.signal('SIGHUP');
        const refused = await agent.waitLog('new rules not loaded: a rule file was emptied; the running rules stay', 10_000);
        assert.equal(refused.hash, started.hash);
        const located = await agent.waitLog('rule error', 1_000);
        assert.match(String(located.diagnostic), new RegExp(`^${other}:1:1: error: this file has no rules now; it had 1 \\(other-oom\\)`));
        const selfAlert = await retryUntil('the self-alert in Slack', 10_000, () =>
          s.slack.requests.find((r) => r.body.includes('KernwatchRulesNotLoaded') || r.body.includes('new rules not loaded')),
        );
        assert.match(selfAlert.body, /a rule file was emptied/);
        const { page } = await scrape(agent.metricsUrl(started));
        assert.equal(sample(page, 'kernwatch_rules_loaded'), 2, 'both rules still run');

        const { pid } = await oomKill(s.cg);
        await retryUntil('both rules page', 10_000, () => {
          const text = s.slack.requests
            .filter((r) => r.body.includes(`(${pid})`))
            .map((r) => r.body)
            .join('\n');
          return text.includes('scratch-oom') && text.includes('other-oom') ? true : undefined;
        });

        const from = agent.logs.length;
        fs.rmSync(other);
        agent.signal('SIGHUP');
        const reloaded = await agent.waitLog('rule set reloaded', 10_000, () => true, from);
        assert.deepEqual([reloaded.added, reloaded.removed, reloaded.changed], [[], ['other-oom'], []]);
        await retryUntil('the self-alert resolved', 10_000, () =>
          s.slack.requests.find((r) => r.body.includes('RESOLVED') && r.body.includes('loaded and running again')),
        );
      });
    });
  },
);

test('a rule path turned into a FIFO is refused on SIGHUP at once: the agent neither blocks nor stops alerting', { skip: SKIP, timeout: 60_000 }, async () => {
  await withSetup(async (s) => {
    const files = {
      'kernwatch.yaml': configYaml(s).replace('rules: [rules/]', 'rules: [rules/, extra.rules]'),
      'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall'),
      'extra.rules': '',
    };
    await withAgent(s, files, [], async (agent) => {
      const started = await agent.running();
      const extra = path.join(s.dir, 'extra.rules');
      fs.rmSync(extra);
      execFileSync('mkfifo', [extra]);
      agent.signal('SIGHUP');
      await agent.waitLog('new rules not loaded: they have errors; the running rules stay', 5_000);
      const located = await agent.waitLog('rule error', 1_000);
      assert.equal(located.diagnostic, `${extra}: not a regular file or a directory`);
      const { page } = await scrape(agent.metricsUrl(started));
      assert.equal(sample(page, 'kernwatch_rules_loaded'), 1, '/metrics still answers');
      const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
      assert.equal(sample(page, 'kernwatch_build_info', { version, nodejs: process.version }), 1);
      const { pid } = await oomKill(s.cg);
      await slackFor(s.slack, pid);
    });
  });
});

test('a reload that adds a rule does not page again for an alert the unchanged rule already fires', { skip: SKIP, timeout: 60_000 }, async () => {
  await withSetup(async (s) => {
    const files = { 'kernwatch.yaml': configYaml(s), 'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall') };
    await withAgent(s, files, [], async (agent) => {
      const first = await oomKill(s.cg);
      await slackFor(s.slack, first.pid);
      writeFiles(s.dir, { 'rules/more.rules': oomRule('added-oom', s.cg, 'oncall') });
      agent.signal('SIGHUP');
      const reloaded = await agent.waitLog('rule set reloaded', 10_000);
      assert.deepEqual(reloaded.added, ['added-oom']);
      assert.deepEqual(reloaded.removed, []);
      assert.deepEqual(reloaded.changed, [], 'scratch-oom is the same rule');

      const second = await oomKill(s.cg);
      const post = await slackFor(s.slack, second.pid);
      assert.match(post.body.text, /added-oom/, 'the new rule fires on the second kill');
      await sleep(1_500);
      const scratch = s.slack.requests.filter((r) => r.body.includes('scratch-oom'));
      assert.equal(scratch.length, 1, 'scratch-oom kept its firing alert: the second kill is folded into it, not paged again');
      const { page } = await scrape(agent.metricsUrl(await agent.running()));
      assert.equal(sample(page, 'kernwatch_rule_matched_total', { rule: 'scratch-oom' }), 2, 'its counter went on across the reload');
      assert.equal(sample(page, 'kernwatch_rule_matched_total', { rule: 'added-oom' }), 1);

      const from = agent.logs.length;
      writeFiles(s.dir, { 'rules/more.rules': oomRule('added-oom', s.cg, 'oncall').replace('severity critical', 'severity warning') });
      agent.signal('SIGHUP');
      const edited = await agent.waitLog('rule set reloaded', 10_000, () => true, from);
      assert.deepEqual([edited.added, edited.removed, edited.changed], [[], [], ['added-oom']]);
    });
  });
});

test('with --watch, a burst of rule file writes is one reload and the new rules alert', { skip: SKIP, timeout: 60_000 }, async (t) => {
  await withSetup(async (s) => {
    const files = { 'kernwatch.yaml': configYaml(s), 'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall') };
    await withAgent(s, files, ['--watch'], async (agent) => {
      const started = await agent.running();
      const from = agent.logs.length;
      // a git pull: a rule removed, five files written one after another
      fs.rmSync(path.join(s.dir, 'rules/oom.rules'));
      for (let i = 0; i < 5; i++) {
        writeFiles(s.dir, { [`rules/team${i}/oom.rules`]: oomRule(`team${i}-oom`, s.cg, 'oncall') });
        await sleep(40);
      }
      const reloaded = await agent.waitLog('rule set reloaded', 10_000, () => true, from);
      t.diagnostic(`reload took ${String(reloaded.ms)} ms`);
      assert.equal(reloaded.reason, 'watch');
      assert.deepEqual(reloaded.removed, ['scratch-oom']);
      assert.deepEqual(reloaded.added, ['team0-oom', 'team1-oom', 'team2-oom', 'team3-oom', 'team4-oom']);
      assert.notEqual(reloaded.hash, started.hash);
      await sleep(1_000);
      const reloads = agent.logs.slice(from).filter((l) => l.msg === 'rule set reloaded' || l.msg.startsWith('new rules not loaded'));
      assert.equal(reloads.length, 1, `one reload for the burst: ${JSON.stringify(reloads)}`);

      const { pid } = await oomKill(s.cg);
      await retryUntil('five Slack posts, one per new rule', 10_000, () =>
        s.slack.requests.filter((r) => r.body.includes(`(${pid})`)).length >= 1 ? true : undefined,
      );
      await retryUntil('all five rules in the posts', 5_000, () => {
        const text = s.slack.requests.map((r) => r.body).join('\n');
        return [0, 1, 2, 3, 4].every((i) => text.includes(`team${i}-oom`)) ? true : undefined;
      });
      assert.ok(!s.slack.requests.some((r) => r.body.includes('scratch-oom')), 'the removed rule no longer alerts');
      const { page } = await scrape(agent.metricsUrl(started));
      assert.equal(sample(page, 'kernwatch_rule_set_info', { hash: String(reloaded.hash) }), 1);
      assert.equal(sample(page, 'kernwatch_rules_loaded'), 5);
    });
  });
});

test('SIGTERM delivers what the outbox holds, then exits 0', { skip: SKIP, timeout: 60_000 }, async (t) => {
  await withSetup(async (s) => {
    const files = { 'kernwatch.yaml': configYaml(s), 'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall') };
    await withAgent(s, files, [], async (agent) => {
      // Slack is down for the first attempt: the alert waits in the outbox with a backoff
      s.slack.replies = [{ status: 503, body: 'busy' }];
      const { pid } = await oomKill(s.cg);
      await retryUntil('the failed first attempt', 5_000, () => (s.slack.requests.length === 1 ? true : undefined));
      const outbox = path.join(s.dir, 'state/outbox/oncall');
      assert.equal(fs.readdirSync(outbox).filter((f) => f.endsWith('.json')).length, 1, 'the alert waits on disk');
      const termAt = Date.now();
      agent.signal('SIGTERM');
      const exit = await agent.exit(15_000);
      t.diagnostic(`SIGTERM to exit ${Date.now() - termAt} ms`);
      assert.deepEqual(exit, { code: 0, signal: null }, agent.stderrText());
      assert.ok(
        s.slack.requests.some((r, i) => i > 0 && r.body.includes(`(${pid})`)),
        'delivered during shutdown',
      );
      assert.deepEqual(
        fs.readdirSync(outbox).filter((f) => f.endsWith('.json')),
        [],
        'nothing left in the outbox',
      );
      const stopped = agent.logs.find((l) => l.msg === 'stopped');
      assert.ok(stopped, agent.stderrText());
      assert.equal(stopped.pending, 0);
    });
  });
});

test('/metrics answers with the kernel, rule, notifier and rule-set counters', { skip: SKIP, timeout: 60_000 }, async () => {
  await withSetup(async (s) => {
    const files = { 'kernwatch.yaml': configYaml(s), 'rules/oom.rules': oomRule('scratch-oom', s.cg) };
    await withAgent(s, files, [], async (agent) => {
      const started = await agent.running();
      const { pid } = await oomKill(s.cg);
      await Promise.all([mailFor(s.mail, pid), slackFor(s.slack, pid)]);
      const { type, page } = await retryUntil('both deliveries counted', 5_000, async () => {
        const scraped = await scrape(agent.metricsUrl(started));
        return sample(scraped.page, 'kernwatch_notifier_deliveries_total', { notifier: 'mail' }) === 1 &&
          sample(scraped.page, 'kernwatch_notifier_deliveries_total', { notifier: 'oncall' }) === 1
          ? scraped
          : undefined;
      });
      assert.equal(type, 'text/plain; version=0.0.4; charset=utf-8');
      assert.ok((sample(page, 'kernwatch_kernel_events_seen_total', { event: 'oom.victim' }) ?? 0) >= 1);
      assert.equal(sample(page, 'kernwatch_kernel_records_lost_total', { event: 'oom.victim' }), 0);
      assert.ok(sample(page, 'kernwatch_kernel_events_filtered_total', { event: 'oom.victim' }) !== undefined);
      assert.ok((sample(page, 'kernwatch_records_delivered_total', { event: 'oom.victim' }) ?? 0) >= 1);
      assert.equal(sample(page, 'kernwatch_records_unresolved_total', { event: 'oom.victim' }), 0, 'the cgroup of the OOM was known');
      assert.equal(sample(page, 'kernwatch_rule_matched_total', { rule: 'scratch-oom' }), 1);
      assert.equal(sample(page, 'kernwatch_alerts_firing', { rule: 'scratch-oom' }), 1);
      assert.equal(sample(page, 'kernwatch_alerts_pending', { rule: 'scratch-oom' }), 0);
      assert.equal(sample(page, 'kernwatch_alert_notifications_total', { rule: 'scratch-oom', change: 'firing' }), 1);
      assert.equal(sample(page, 'kernwatch_evaluator_groups', { rule: 'scratch-oom' }), 1);
      assert.equal(sample(page, 'kernwatch_evaluator_evictions_total', { rule: 'scratch-oom' }), 0);
      assert.equal(sample(page, 'kernwatch_notifier_failures_total', { notifier: 'oncall' }), 0);
      assert.equal(sample(page, 'kernwatch_rule_set_info', { hash: String(started.hash) }), 1);
      assert.equal(sample(page, 'kernwatch_rule_reloads_total', { result: 'success' }), 0);
      // every catalog event is listed; 1 for each whose tracepoint this kernel has (all of them load on the kernels CI boots)
      const availability = [...page.matchAll(/^kernwatch_event_available\{event="([^"]+)"\} (\d)$/gm)];
      assert.equal(availability.length, EVENTS.length);
      assert.deepEqual(
        availability.filter((m) => m[2] === '1').map((m) => m[1]),
        onThisKernel(EVENTS.map((e) => e.name)),
      );
      for (const line of page.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
        assert.match(line, /^[a-z_][a-z0-9_]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$/, 'text format 0.0.4');
      }
    });
  });
});

test('a notifier that keeps failing raises one self-alert by email, not one per failure', { skip: SKIP, timeout: 60_000 }, async () => {
  await withSetup(async (s) => {
    const extra = 'self_alerts: { notify: [mail, oncall], notifier_failing_for: 1s }\n';
    const files = { 'kernwatch.yaml': configYaml(s, extra), 'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall') };
    await withAgent(s, files, [], async (agent) => {
      const started = await agent.running();
      s.slack.replies = Array.from({ length: 1000 }, () => ({ status: 500, body: 'down' }));
      await oomKill(s.cg);
      await retryUntil('a few failed Slack attempts', 10_000, () => (s.slack.requests.length >= 3 ? true : undefined));
      const mail = await retryUntil('the self-alert mail', 10_000, () => s.mail.mails[0]);
      const parsed = parseMail(mail.raw);
      assert.match(
        parsed.headers.get('subject') ?? '',
        /^\[FIRING:critical\] kernwatch on agent-test: notifier oncall \(slack\) has failed \d+ attempts in a row/,
      );
      await sleep(2_000);
      assert.equal(s.mail.mails.length, 1, 'one alert while the failures go on');
      const { page } = await scrape(agent.metricsUrl(started));
      assert.equal(sample(page, 'kernwatch_self_alerts_firing', { alertname: 'KernwatchNotifierFailing', notifier: 'oncall' }), 1);
      assert.ok(
        !s.slack.requests.some((r) => r.body.includes('KernwatchNotifierFailing') || r.body.includes('notifier oncall')),
        'not sent through the failing notifier',
      );

      s.slack.replies = [];
      await retryUntil('the resolution mail', 15_000, () => s.mail.mails[1]);
      assert.match(
        parseMail((s.mail.mails[1] as { raw: string }).raw).headers.get('subject') ?? '',
        /^\[RESOLVED:critical\] kernwatch on agent-test: notifier oncall \(slack\) delivers again after \d+ failed attempts$/,
      );
    });
  });
});

test("run --host puts the given name on alerts instead of the config's host", { skip: SKIP, timeout: 60_000 }, async () => {
  await withSetup(async (s) => {
    const files = { 'kernwatch.yaml': configYaml(s), 'rules/oom.rules': oomRule('scratch-oom', s.cg, 'oncall') };
    await withAgent(s, files, ['--host', 'node-7'], async () => {
      const { pid } = await oomKill(s.cg);
      assert.match((await slackFor(s.slack, pid)).body.text, /^\[FIRING:critical\] scratch-oom on node-7: /);
    });
  });
});

test('without root, run says so in one line and exits 2', { skip: NEEDS_ROOT, timeout: 30_000 }, async () => {
  const dir = tempDir('agent-noroot');
  try {
    writeFiles(dir, { 'kernwatch.yaml': 'rules: [rules/]\nstate_dir: ./state\n', 'rules/oom.rules': 'when oom.victim then stdout\n' });
    // root with every capability dropped: unlike another user, it can still
    // read the checkout wherever CI put it (a mktemp directory is 0700)
    const agent = AgentProcess.start(dir, [], {}, ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--']);
    const exit = await agent.exit(20_000);
    assert.deepEqual(exit, { code: 2, signal: null });
    assert.deepEqual(agent.plain, ['kernwatch: kernwatch needs root or CAP_BPF with CAP_PERFMON to load BPF programs']);
    assert.deepEqual(agent.logs, []);
    assert.equal(fs.existsSync(path.join(dir, 'state')), false, 'nothing touched before the kernel said yes');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('broken rules at startup: located diagnostics and exit 1, before the kernel is touched', { timeout: 30_000 }, async () => {
  const dir = tempDir('agent-broken');
  try {
    writeFiles(dir, { 'kernwatch.yaml': 'rules: [rules/]\nstate_dir: ./state\n', 'rules/a.rules': 'when oom.victim and pidd == 1 then stdout\n' });
    const agent = AgentProcess.start(dir);
    const exit = await agent.exit(20_000);
    assert.deepEqual(exit, { code: 1, signal: null });
    assert.deepEqual(agent.plain, [
      `${path.join(dir, 'rules/a.rules')}:1:21: error: unknown field 'pidd' on oom.victim (did you mean 'pid'?)`,
      '  when oom.victim and pidd == 1 then stdout',
      '                      ^~~~',
      'kernwatch: not starting: the rules have errors (1)',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

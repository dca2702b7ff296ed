/**
 * `kernwatch run` in this process on the simulated kernel: config, rule
 * files, the engine, routing to a real HTTP receiver through the outbox,
 * reloads and the state directory, with no root and no BPF.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Agent } from '../../src/agent/agent';
import { jsonLog } from '../../src/agent/log';
import { loadRuleSet } from '../../src/agent/rule_set';
import { loadConfig } from '../../src/config/load_config';
import { SimulatedKernel } from '../../src/live/simulated_kernel';
import { retryUntil } from '../support/bounded';
import { Receiver, tempDir } from '../notifiers/support';
import { writeFiles } from '../agent/support';

async function startAgent(dir: string, kernel: SimulatedKernel): Promise<Agent> {
  const config = loadConfig(path.join(dir, 'kernwatch.yaml'));
  const loaded = loadRuleSet(config);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.problems.join('\n'));
  return Agent.start(config, loaded.ruleSet, { log: jsonLog('error', new PassThrough()), watch: false, kernel });
}

const oom = { event: 'oom.victim', members: { comm: 'java', pid: 77, tgid: 77, anon_rss_kb: 4096 } };

test('an OOM on the simulated kernel reaches a webhook; a reload swaps the rules; the next agent keeps the firing alert', async () => {
  const dir = tempDir('sim-agent');
  const receiver = await Receiver.start();
  const kernel = new SimulatedKernel();
  writeFiles(dir, {
    'kernwatch.yaml': `host: sim\nstate_dir: ./state\nrules: [rules/]\nnotifiers:\n  hook: { type: webhook, url: "${receiver.url}", secret: 0123456789abcdef, timeout: 2s }\n`,
    'rules/oom.rules': 'rule "oom" { when oom.victim cooldown 1h then hook }\n',
  });
  let agent: Agent | undefined;
  try {
    agent = await startAgent(dir, kernel);
    kernel.fire(oom);
    const page = await retryUntil('the OOM page', 10_000, () => receiver.requests.find((r) => r.body.includes('"oom"')));
    assert.match(page.body, /java/);

    fs.writeFileSync(
      path.join(dir, 'rules', 'oom.rules'),
      [
        'rule "oom" { when oom.victim cooldown 1h then hook }',
        'rule "killed" { when process.exit and signal == 9 then hook }',
        'rule "marker" { when process.exit and comm == "marker" then hook }',
        '',
      ].join('\n'),
    );
    assert.equal(await agent.reload('SIGHUP'), true, 'the new rules loaded');
    kernel.fire({ event: 'process.exit', members: { comm: 'victim', pid: 5, tgid: 5, signal: 9, exit_code: 9 } });
    await retryUntil('the kill page', 10_000, () => receiver.requests.find((r) => r.body.includes('"killed"')));
    await agent.stop();
    agent = undefined;

    const before = receiver.requests.filter((r) => r.body.includes('"oom"')).length;
    agent = await startAgent(dir, kernel);
    kernel.fire(oom);
    // a record fired after the OOM, in the same ring: once its page is in, the OOM was evaluated
    kernel.fire({ event: 'process.exit', members: { comm: 'marker', pid: 6, tgid: 6 } });
    await retryUntil('the marker page', 10_000, () => receiver.requests.find((r) => r.body.includes('"marker"')));
    await agent.stop();
    agent = undefined;
    assert.equal(
      receiver.requests.filter((r) => r.body.includes('"oom"') && r.body.includes('firing')).length,
      before,
      'no second page within the cooldown, across a restart',
    );
  } finally {
    await agent?.stop().catch(() => undefined);
    await receiver.close();
    kernel.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

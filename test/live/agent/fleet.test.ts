/**
 * A fleet, on loopback with the real programs: three agents at once (each
 * its own --host and state directory, all seeing this kernel) send to two
 * Alertmanagers clustered by gossip, which notify one webhook receiver. One
 * OOM is one grouped notification naming the three hosts, not three and not
 * six; with one Alertmanager killed mid-way it is still delivered once; its
 * resolution is one notification too.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { retryUntil, sleep } from '../../support/bounded';
import { Alertmanager } from '../../support/alertmanager';
import { oomKillIn } from '../../support/oom';
import { freePort } from '../../support/ports';
import { NEEDS_ROOT } from '../../support/root';
import { memoryUnavailable, ScratchCgroup } from '../../support/scratch_cgroup';
import { Receiver, tempDir } from '../../notifiers/support';
import { AgentProcess, writeFiles } from '../../agent/support';

const HOSTS = ['fleet-a', 'fleet-b', 'fleet-c'];

interface AmNotification {
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly { readonly status: string; readonly labels: Record<string, string> }[];
}

test(
  'three agents and two clustered Alertmanagers: one OOM is one notification naming the three hosts, once even with one Alertmanager killed, and one resolution',
  { skip: NEEDS_ROOT || memoryUnavailable(), timeout: 180_000 },
  async (t) => {
    const dir = tempDir('fleet');
    const cg = ScratchCgroup.memory();
    const hook = await Receiver.start();
    const ams: Alertmanager[] = [];
    const agents: AgentProcess[] = [];
    try {
      const [gossipA, gossipB] = [await freePort(), await freePort()];
      const config = `route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 2s\n  group_interval: 3s\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: ${hook.url}/am\n        send_resolved: true\n`;
      ams.push(new Alertmanager(path.join(dir, 'am-a'), await freePort(), { config, clusterPort: gossipA, peers: [gossipB] }));
      ams.push(new Alertmanager(path.join(dir, 'am-b'), await freePort(), { config, clusterPort: gossipB, peers: [gossipA] }));
      await Promise.all(ams.map((am) => am.start()));
      await retryUntil('the two Alertmanagers see each other', 15_000, async () => ((await ams[0]!.peers()) === 2 ? true : undefined), 200);

      for (const host of HOSTS) {
        writeFiles(path.join(dir, host), {
          'kernwatch.yaml': `state_dir: ./state\nrules: [rules/]\nnotifiers:\n  fleet: { type: alertmanager, urls: [${ams.map((a) => a.url).join(', ')}], resend_interval: 1s }\n`,
          'rules/oom.rules': `rule "fleet-oom" {\n  when oom.victim and memcg == "${cg.path}"\n  severity critical\n  cooldown 8s\n  then fleet\n}\n`,
        });
        agents.push(AgentProcess.start(path.join(dir, host), ['--host', host]));
      }
      await Promise.all(agents.map((a) => a.running()));

      const started = Date.now();
      const run = await oomKillIn(cg, 32, 128);
      assert.equal(run.signal, 'SIGKILL');
      // every agent has handed its alert to both Alertmanagers; then one of them dies before the group is sent
      await retryUntil(
        'three alerts in each Alertmanager',
        10_000,
        async () => {
          const counts = await Promise.all(ams.map(async (am) => (await am.alerts()).filter((a) => a.labels.alertname === 'fleet-oom').length));
          return counts.every((n) => n === 3) ? true : undefined;
        },
        100,
      );
      await ams[0]!.stop();

      const notifications = (): AmNotification[] => hook.requests.map((r) => JSON.parse(r.body) as AmNotification);
      const firing = await retryUntil('the grouped notification', 30_000, () => notifications().find((n) => n.status === 'firing'));
      t.diagnostic(`OOM to grouped notification: ${Date.now() - started} ms`);
      assert.deepEqual(firing.alerts.map((a) => a.labels.host).sort(), HOSTS, 'one notification naming the three hosts');
      for (const a of firing.alerts) assert.equal(a.labels.job, 'kernwatch');

      const resolved = await retryUntil('the resolution', 60_000, () => notifications().find((n) => n.status === 'resolved'));
      assert.deepEqual(resolved.alerts.map((a) => a.labels.host).sort(), HOSTS);
      assert.ok(resolved.alerts.every((a) => a.status === 'resolved'));
      await sleep(5_000);
      const all = notifications();
      t.diagnostic(
        `notifications received: ${all.length} (${all.map((n) => n.status).join(', ')}); alerts sent by the agents: 3 firing and 3 resolved, to 2 Alertmanagers`,
      );
      assert.deepEqual(
        all.map((n) => n.status),
        ['firing', 'resolved'],
        'no duplicate from the surviving member or from the three agents',
      );
    } finally {
      await Promise.all(agents.map((a) => a.kill()));
      await Promise.all(ams.map((am) => am.stop()));
      await hook.close();
      await cg.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

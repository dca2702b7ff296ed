/**
 * How many alerts a second one agent delivers to a clustered pair of
 * Alertmanagers (Debian's prometheus-alertmanager, on loopback): N processes
 * named kw-bench-exit exit, one alert each (`by pid`), and the clock stops
 * when both members hold all N. Prints the figures; asserts nothing.
 *
 *   ALERTS=2000 node dist/bench/fleet_throughput.js
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Alertmanager } from '../test/support/alertmanager';
import { freePort } from '../test/support/ports';
import { AgentProcess, writeFiles } from '../test/agent/support';

const ALERTS = Number(process.env.ALERTS ?? 2000);
const NAME = 'kw-bench-exit';

async function main(): Promise<void> {
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/prometheus-alertmanager')) {
    console.log('fleet_throughput: skipped, needs root and prometheus-alertmanager');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-bench-fleet-'));
  const ams: Alertmanager[] = [];
  let agent: AgentProcess | undefined;
  try {
    const [ga, gb] = [await freePort(), await freePort()];
    const config = 'route:\n  receiver: blackhole\n  group_by: [alertname]\nreceivers:\n  - name: blackhole\n';
    ams.push(new Alertmanager(path.join(dir, 'am-a'), await freePort(), { config, clusterPort: ga, peers: [gb] }));
    ams.push(new Alertmanager(path.join(dir, 'am-b'), await freePort(), { config, clusterPort: gb, peers: [ga] }));
    await Promise.all(ams.map((am) => am.start()));
    writeFiles(dir, {
      'kernwatch.yaml': `host: bench\nstate_dir: ./state\nrules: [rules/]\nnotifiers:\n  fleet: { type: alertmanager, urls: [${ams.map((a) => a.url).join(', ')}] }\n`,
      'rules/exits.rules': `rule "exits" { when process.exit and comm == "${NAME}" by pid cooldown 1h then fleet }\n`,
    });
    const binary = path.join(dir, NAME);
    fs.copyFileSync('/bin/true', binary);
    fs.chmodSync(binary, 0o755);
    agent = AgentProcess.start(dir);
    await agent.running();
    const started = process.hrtime.bigint();
    spawnSync('sh', ['-c', `i=0; while [ $i -lt ${ALERTS} ]; do ${binary}; i=$((i+1)); done`], { timeout: 300_000 });
    const exited = Number(process.hrtime.bigint() - started) / 1e9;
    const held = async (am: Alertmanager): Promise<number> => (await am.alerts()).filter((a) => a.labels.alertname === 'exits').length;
    let counts = [0, 0];
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      counts = await Promise.all(ams.map(held));
      if (counts.every((n) => n >= ALERTS)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const all = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`fleet_throughput: ${ALERTS} alerts (one per exiting process), made in ${exited.toFixed(2)} s`);
    console.log(
      `  in both Alertmanagers after ${all.toFixed(2)} s: ${(ALERTS / all).toFixed(0)} alerts/s from one agent to a clustered pair (held: ${counts.join(', ')})`,
    );
    // when the two times are close, the processes were the bottleneck, not the delivery
    console.log(`  delivery lagged the last exit by ${(all - exited).toFixed(2)} s`);
  } finally {
    await agent?.kill();
    await Promise.all(ams.map((am) => am.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

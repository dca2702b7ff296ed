/**
 * kernwatch as Prometheus sees it: an exposition promtool accepts, the
 * process metrics every client has, /healthz and /-/ready, and the alert
 * rules about kernwatch itself checked and unit-tested by promtool.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { NEEDS_ROOT } from '../support/root';
import { tempDir } from '../notifiers/support';
import { AgentProcess, sample, writeFiles } from './support';

const RULES_DIR = path.join(__dirname, '..', '..', '..', 'deploy', 'prometheus');

function promtool(args: readonly string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: RULES_DIR, input, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool: ${r.error.message} (install-deps installs Debian's prometheus package)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('promtool checks the alerts about kernwatch and passes their unit tests', () => {
  const check = promtool(['check', 'rules', 'kernwatch.rules.yml']);
  assert.equal(check.status, 0, check.output);
  assert.match(check.output, /SUCCESS: 7 rules found/);
  const unit = promtool(['test', 'rules', 'kernwatch.rules.test.yml']);
  assert.equal(unit.status, 0, unit.output);
});

test('a running agent: /metrics passes promtool check metrics, with process metrics; /healthz and /-/ready answer', { skip: NEEDS_ROOT, timeout: 60_000 }, async () => {
  const dir = tempDir('prometheus');
  let agent: AgentProcess | undefined;
  try {
    writeFiles(dir, {
      'kernwatch.yaml': 'host: prom-test\nstate_dir: ./state\nrules: [rules/]\nmetrics: { listen: "127.0.0.1:0" }\n',
      'rules/oom.rules': 'when oom.victim then stdout\n',
    });
    agent = AgentProcess.start(dir);
    const started = await agent.running();
    const base = agent.metricsUrl(started).replace(/\/metrics$/, '');
    const page = await (await fetch(`${base}/metrics`)).text();
    const lint = promtool(['check', 'metrics'], page);
    assert.equal(lint.status, 0, `promtool check metrics:\n${lint.output}`);
    assert.ok((sample(page, 'process_resident_memory_bytes') ?? 0) > 10 * 1024 * 1024);
    assert.ok((sample(page, 'process_open_fds') ?? 0) > 0);
    assert.ok((sample(page, 'process_start_time_seconds') ?? 0) > Date.now() / 1000 - 600);
    assert.equal(sample(page, 'kernwatch_ready'), 1);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${base}/-/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ready\n');
  } finally {
    await agent?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

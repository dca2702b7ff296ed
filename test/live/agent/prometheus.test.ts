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
import { NEEDS_ROOT } from '../../support/root';
import { freePort } from '../../support/ports';
import { tempDir } from '../../notifiers/support';
import { AgentProcess, sample, writeFiles } from '../../agent/support';

const RULES_DIR = path.join(__dirname, '..', '..', '..', '..', 'deploy', 'prometheus');

function promtool(args: readonly string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: RULES_DIR, input, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool: ${r.error.message} (install-deps installs Debian's prometheus package)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('promtool checks the alerts about kernwatch and passes their unit tests', () => {
  const check = promtool(['check', 'rules', 'kernwatch.rules.yml']);
  assert.equal(check.status, 0, check.output);
  assert.match(check.output, /SUCCESS: 9 rules found/);
  const unit = promtool(['test', 'rules', 'kernwatch.rules.test.yml']);
  assert.equal(unit.status, 0, unit.output);
});

test(
  'a running agent: /metrics passes promtool check metrics, with process metrics; /healthz and /-/ready answer',
  { skip: NEEDS_ROOT, timeout: 60_000 },
  async () => {
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
  },
);

interface Panel {
  readonly title: string;
  readonly targets: readonly { readonly expr: string }[];
}

test('every panel of the Grafana dashboard returns data from a real Prometheus scraping a running agent', { skip: NEEDS_ROOT, timeout: 120_000 }, async (t) => {
  const dir = tempDir('grafana');
  let agent: AgentProcess | undefined;
  let prometheus: ReturnType<typeof import('node:child_process').spawn> | undefined;
  try {
    writeFiles(dir, {
      'kernwatch.yaml': 'host: dash-test\nstate_dir: ./state\nrules: [rules/]\nmetrics: { listen: "127.0.0.1:0" }\n',
      // a rule that fires (every exit of a process named true) and one that ships forks
      'rules/demo.rules':
        'rule "exits" { when process.exit and comm == "true" by pid severity info then stdout }\nrule "forks" { when count(process.fork) > 1000000 within 1m by cgroup then stdout }\n',
    });
    agent = AgentProcess.start(dir);
    const started = await agent.running();
    const target = String(started.metrics);
    const port = await freePort();
    fs.writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: kernwatch\n    static_configs: [{ targets: ["${target}"] }]\n`,
    );
    const { spawn } = await import('node:child_process');
    prometheus = spawn(
      'prometheus',
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    // some of everything: forks, exits that fire the rule
    for (let i = 0; i < 5; i++) spawnSync('/bin/true');
    const query = async (expr: string): Promise<unknown[]> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
      assert.equal(body.status, 'success', `${expr}: ${body.error ?? ''}`);
      return body.data?.result ?? [];
    };
    const deadline = Date.now() + 60_000;
    const dashboard = JSON.parse(fs.readFileSync(path.join(RULES_DIR, '..', 'grafana', 'kernwatch.json'), 'utf8')) as { panels: Panel[] };
    assert.ok(dashboard.panels.length >= 10);
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const expr = target.expr.replace(/\$__rate_interval/g, '30s').replace(/\$host/g, '.*');
        if (panel.title.startsWith('Rules that cannot fire')) {
          // a metric with no series on a kernel that runs every event: the query must still be valid
          assert.deepEqual(await query(expr), [], 'this kernel runs every event the rules use');
          continue;
        }
        let result: unknown[] = [];
        while (Date.now() < deadline) {
          for (let i = 0; i < 2; i++) spawnSync('/bin/true');
          result = await query(expr).catch(() => []);
          if (result.length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        assert.ok(result.length > 0, `panel "${panel.title}": ${expr} returned no data`);
      }
      t.diagnostic(`panel "${panel.title}": ok`);
    }
  } finally {
    prometheus?.kill('SIGKILL');
    await agent?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

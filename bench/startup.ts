/**
 * Start-up: wall time of the commands people run on every save and in CI,
 * side by side with Node's own start (`node empty.js`: a script, as
 * bin/kernwatch is; `node -e` takes another path and is slower), rounds alternated so
 * that machine noise hits them alike; the figure that matters is the median
 * beyond Node. As root it also times the agent from exec to attached (its
 * /-/ready answering 200).
 *
 *   ROUNDS=15 node dist/bench/startup.js
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { httpGet } from './support/fixtures';
import { median, ROOT } from './support/side_by_side';

const KERNWATCH = path.join(ROOT, 'bin', 'kernwatch');
const ROUNDS = Number(process.env.ROUNDS ?? 15);

function timeRun(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { stdio: 'ignore' });
  } catch {
    // `rules check` of a broken file exits 1: the time still counts
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** exec to /-/ready answering 200, in ms */
async function agentToReady(dir: string, port: number): Promise<number> {
  const config = path.join(dir, 'kernwatch.yaml');
  fs.writeFileSync(config, `rules: [${path.join(ROOT, 'rules')}]\nmetrics:\n  listen: 127.0.0.1:${port}\nstate_dir: ${dir}/state\n`);
  const started = process.hrtime.bigint();
  const agent = spawn(process.execPath, [KERNWATCH, 'run', '--config', config], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 600; i++) {
      if ((await httpGet(port, '/-/ready')).status === 200) return Number(process.hrtime.bigint() - started) / 1e6;
      await new Promise((r) => setTimeout(r, 10));
    }
    return NaN;
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-bench-startup-'));
  try {
    const one = path.join(dir, 'one.rules');
    fs.writeFileSync(one, 'rule "oom" { when oom.victim and cgroup matches "/prod/**" then stdout }\n');
    const empty = path.join(dir, 'empty.js');
    fs.writeFileSync(empty, '');
    const commands: [string, string[]][] = [
      ['node empty.js', [empty]],
      ['kernwatch --help', [KERNWATCH, '--help']],
      ['kernwatch version', [KERNWATCH, 'version']],
      ['kernwatch rules check (1 rule)', [KERNWATCH, 'rules', 'check', one]],
      ['kernwatch rules check rules/', [KERNWATCH, 'rules', 'check', path.join(ROOT, 'rules')]],
      ['kernwatch rules fmt --check rules/', [KERNWATCH, 'rules', 'fmt', '--check', path.join(ROOT, 'rules')]],
      ['kernwatch events', [KERNWATCH, 'events']],
    ];
    const times = new Map<string, number[]>(commands.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, args] of commands) {
        times.get(name)!.push(timeRun(args));
        // the kernel frees the BPF programs `events` loaded after it exits, on
        // this CPU's time: let that pass before the next command is timed
        if (name === 'kernwatch events') await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    const node = median(times.get('node empty.js')!);
    console.log(`start-up, median of ${ROUNDS} alternated rounds (${os.cpus().length} CPUs, Node ${process.version})`);
    console.log(`${'command'.padEnd(36)} ${'wall ms'.padStart(8)} ${'beyond node'.padStart(12)}`);
    for (const [name] of commands) {
      const m = median(times.get(name)!);
      console.log(`${name.padEnd(36)} ${m.toFixed(0).padStart(8)} ${(name === 'node empty.js' ? '' : `+${(m - node).toFixed(0)}`).padStart(12)}`);
    }
    if (process.getuid?.() === 0) {
      console.log("(kernwatch events loads and attaches every BPF program to say which run here: the kernel's verifier is most of it)");
      const ready: number[] = [];
      for (let i = 0; i < 3; i++) ready.push(await agentToReady(dir, 19_470 + i));
      console.log(
        `kernwatch run, rules/ (${fs.readdirSync(path.join(ROOT, 'rules')).filter((f) => f.endsWith('.rules')).length} files): exec to ready ${median(ready).toFixed(0)} ms (median of 3)`,
      );
    } else {
      console.log('kernwatch run: skipped, needs root');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();

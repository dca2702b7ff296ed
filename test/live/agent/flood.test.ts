/**
 * The agent under a flood it cannot keep up with, inside a memory cgroup of
 * 256 MiB (half the DaemonSet's limit): 1,050 rules that need every fork,
 * exit and free in userspace (globs the kernel cannot decide, past its 62
 * bits) while two forkers run flat out. Before flow control, batches piled
 * up in the JS heap until the agent was OOM-killed with alerts lost. Now it
 * stays alive, within its limit, and delivers every OOM alert made meanwhile.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { retryUntil, sleep } from '../../support/bounded';
import { oomKillIn } from '../../support/oom';
import { NEEDS_ROOT } from '../../support/root';
import { memoryUnavailable, ScratchCgroup, V2_MOUNT } from '../../support/scratch_cgroup';
import { Receiver, tempDir } from '../../notifiers/support';
import { AgentProcess, writeFiles } from '../../agent/support';

const SKIP = NEEDS_ROOT || memoryUnavailable();
const AGENT_LIMIT_MIB = 256;
const FLOOD_SECONDS = 25;
const OOMS = 3;

/** 350 rules per high-rate kind, each a comm glob only userspace can decide: every record is checked against all of them. */
function floodRules(): string {
  const lines: string[] = [];
  for (const event of ['process.fork', 'process.exit', 'process.free']) {
    for (let i = 0; i < 350; i++) lines.push(`rule "ship-${event.split('.')[1]}-${i}" { when ${event} and comm matches "*kwq?${i}*" then stdout }`);
  }
  return `${lines.join('\n')}\n`;
}

function forker(seconds: number): ChildProcess {
  const script = `my $end = time + ${seconds}; while (time < $end) { my $p = fork(); if ($p == 0) { POSIX::_exit(0) } waitpid($p, 0) }`;
  return spawn('perl', ['-MPOSIX', '-e', script], { stdio: 'ignore' });
}

/** OOM kills the kernel made in `cg` (the agent's own cgroup here): v2 memory.events, v1 memory.oom_control. */
function oomKills(cg: ScratchCgroup): number {
  const file = cg.mount === V2_MOUNT ? 'memory.events' : 'memory.oom_control';
  const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(cg.dir, file), 'utf8'));
  return m ? Number(m[1]) : 0;
}

function peakMiB(cg: ScratchCgroup): number {
  const file = cg.mount === V2_MOUNT ? 'memory.peak' : 'memory.max_usage_in_bytes';
  try {
    return Number(fs.readFileSync(path.join(cg.dir, file), 'utf8').trim()) / 2 ** 20;
  } catch {
    return NaN; // memory.peak came in 5.19
  }
}

test(
  `in a ${AGENT_LIMIT_MIB} MiB memory cgroup, a flood of records it cannot keep up with neither kills the agent nor costs an OOM alert`,
  { skip: SKIP, timeout: 180_000 },
  async (t) => {
    const dir = tempDir('flood');
    const agentCg = ScratchCgroup.memory();
    const victims = ScratchCgroup.memory();
    const receiver = await Receiver.start();
    const forkers: ChildProcess[] = [];
    let agent: AgentProcess | undefined;
    try {
      agentCg.write(agentCg.mount === V2_MOUNT ? 'memory.max' : 'memory.limit_in_bytes', `${AGENT_LIMIT_MIB}M`);
      writeFiles(dir, {
        'kernwatch.yaml': `host: flood-test
state_dir: ./state
rules: [rules/]
metrics: { listen: "127.0.0.1:0" }
notifiers:
  hook: { type: webhook, url: "${receiver.url}", secret: 0123456789abcdef, timeout: 2s }
`,
        'rules/oom.rules': `rule "flood-oom" {
  when oom.victim and memcg == "${victims.path}"
  cooldown 1s
  then hook
}
`,
        'rules/flood.rules': floodRules(),
      });
      // the agent is in its cgroup from its first allocation on
      agent = AgentProcess.start(dir, [], {}, ['sh', '-c', `echo $$ > ${agentCg.dir}/cgroup.procs && exec "$@"`, 'sh']);
      await agent.running(90_000);
      forkers.push(forker(FLOOD_SECONDS), forker(FLOOD_SECONDS));
      const latencies: number[] = [];
      for (let i = 0; i < OOMS; i++) {
        await sleep(5_000);
        const before = receiver.requests.length;
        const started = Date.now();
        const run = await oomKillIn(victims, 32, 128);
        assert.equal(run.signal, 'SIGKILL', `the allocator was OOM-killed (exit ${run.code})`);
        await retryUntil(`OOM alert ${i + 1} delivered`, 15_000, () => (receiver.requests.length > before ? true : undefined));
        latencies.push(Date.now() - started);
      }
      t.diagnostic(`OOM kill to webhook: ${latencies.map((ms) => `${ms} ms`).join(', ')}`);
      t.diagnostic(`agent memory peak ${peakMiB(agentCg).toFixed(0)} MiB of ${AGENT_LIMIT_MIB}`);
      const behind = agent.logs.filter((l) => l.msg.startsWith('falling behind') || l.msg.startsWith('evaluating records runs behind'));
      t.diagnostic(`the agent said it fell behind ${behind.length} times`);
      assert.equal(agent.child.exitCode ?? agent.child.signalCode, null, `the agent is alive:\n${agent.stderrText()}`);
      assert.equal(oomKills(agentCg), 0, 'nothing in the agent cgroup was OOM-killed');
      assert.ok(
        receiver.requests.every((r) => r.body.includes('"rule":"flood-oom"')),
        'only the OOM rule pages',
      );
      for (const f of forkers) f.kill('SIGKILL');
      agent.signal('SIGTERM');
      assert.deepEqual(await agent.exit(30_000), { code: 0, signal: null }, agent.stderrText());
    } finally {
      for (const f of forkers) f.kill('SIGKILL');
      await agent?.kill();
      await receiver.close();
      await victims.remove();
      await agentCg.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

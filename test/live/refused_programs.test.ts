/**
 * Programs the verifier refuses are reported by name, with its reason, and
 * never crash kernwatch or pass for a privilege problem. A refusal is made for
 * real by forcing the object built with bpf_loop() on a kernel without it
 * (5.10 in the kernel matrix): there every program is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { NEEDS_ROOT } from '../support/root';
import { runCli } from '../support/run_cli';

function kernelHasBpfLoop(): boolean {
  const btf = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return /'BPF_FUNC_loop' val=/.test(btf);
}

const SKIP = NEEDS_ROOT || (kernelHasBpfLoop() ? 'this kernel runs both objects: nothing is refused here (the 5.10 guest runs it)' : false);

test("every refused program is named in kernwatch events with the verifier's reason", { skip: SKIP, timeout: 300_000 }, async () => {
  const { code, stdout, stderr } = await runCli(['events'], { env: { ...process.env, KERNWATCH_BPF_OBJECT: 'main' }, timeoutMs: 280_000 });
  assert.equal(code, 0, stderr);
  const unavailable = stdout.split('\n').filter((l) => l.includes('UNAVAILABLE'));
  const refused = unavailable.filter((l) => /the kernel refused handle__\w+: \S/.test(l));
  assert.ok(refused.length > 0, stdout);
  for (const line of unavailable) assert.match(line, /the kernel refused handle__\w+: |this kernel has no \S+ tracepoint/);
  assert.doesNotMatch(stdout + stderr, /not allowed|at .*\.js:\d+/, 'no privilege message, no stack trace');
});

test('tail on events whose programs are all refused says why for each, in one line each, exit 1', { skip: SKIP, timeout: 300_000 }, async () => {
  const { code, stdout, stderr } = await runCli(['tail', 'process.fork', 'process.exit', '--duration', '1'], {
    env: { ...process.env, KERNWATCH_BPF_OBJECT: 'main' },
    timeoutMs: 280_000,
  });
  assert.equal(code, 1, stderr);
  assert.equal(stdout, '');
  assert.match(
    stderr,
    /^kernwatch: none of the events asked for can run on this kernel:\n {2}process\.fork: the kernel refused handle__sched_process_fork: .+\n {2}process\.exit: the kernel refused handle__sched_process_exit: .+\n$/,
  );
});

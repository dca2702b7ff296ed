/**
 * mem.pcpu_drain where its classic tracepoint cannot be attached. On Debian
 * and Ubuntu kernels perf_event_open() wants CAP_SYS_ADMIN
 * (kernel.perf_event_paranoid=3, a distribution patch) and the service has
 * CAP_BPF and CAP_PERFMON only; this kernel has no such patch, so the test
 * takes away the other thing the classic program needs: tracefs, unmounted
 * in a mount namespace of kernwatch's own, with CAP_SYS_ADMIN dropped so it
 * cannot mount it again. The event must still run, through its BTF twin,
 * and say what it lost. (scripts/test-install-guest.sh sees the Debian case itself.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChild } from '../support/child';
import { NEEDS_ROOT } from '../support/root';
import { startCli } from '../support/run_cli';

// a mount namespace without tracefs (debugfs's tracing/ automounts it: gone too), then no CAP_SYS_ADMIN
const WITHOUT_TRACEFS = [
  'unshare',
  '--mount',
  '--propagation',
  'private',
  '--',
  'sh',
  '-c',
  'umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; exec "$@"',
  'sh',
  'setpriv',
  '--bounding-set=-sys_admin',
  '--inh-caps=-sys_admin',
  '--',
];

test(
  'without tracefs and CAP_SYS_ADMIN, mem.pcpu_drain runs through its BTF program with pfn -1 and says so',
  { skip: NEEDS_ROOT, timeout: 90_000 },
  async () => {
    const running = startCli(['tail', 'mem.pcpu_drain', '--duration', '30', '--json'], { prefix: WITHOUT_TRACEFS });
    await running.stderrMatches(/watching 1 events/, 60_000);
    // a child that touches 256 MiB and exits frees 65,536 pages at once: more
    // than the per-CPU lists hold, so they are drained back to the buddy allocator
    for (let pass = 0; pass < 3; pass++) await runChild([process.execPath, '-e', 'Buffer.alloc(256 << 20).fill(1)'], 20_000);
    running.kill('SIGINT');
    const { code, stdout, stderr } = await running.done;
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /kernwatch: note: mem\.pcpu_drain runs with less detail on this host \(attaching handle__mm_page_pcpu_drain failed: .*tracefs.*; runs as handle__mm_page_pcpu_drain_btf instead \(pfn is -1\)\)/,
    );
    const drains = stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(drains.length > 0, `drains seen: ${stderr}`);
    for (const d of drains) {
      assert.equal(d.event, 'mem.pcpu_drain');
      assert.equal(d.pfn, -1);
      assert.ok((d.order as number) >= 0 && (d.order as number) <= 10, `order ${String(d.order)}`);
      assert.ok((d.migratetype as number) >= 0 && (d.migratetype as number) < 6, `migratetype ${String(d.migratetype)}`);
    }
  },
);

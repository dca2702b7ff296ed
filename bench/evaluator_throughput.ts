/**
 * The userspace tier alone: events per second through the evaluator on a
 * replayed mixed stream (every event checked against every rule, the worst
 * case: no kernel filtering), and the heap cost of 100,000 live group keys.
 * Run with --expose-gc for the memory figure.
 */
import { checkRuleSources } from '../src/dsl';
import { Evaluator } from '../src/engine/evaluator';
import { planKernel } from '../src/engine/kernel_plan';
import type { FieldValue, KernelEvent } from '../src/events/event';

const RULES = `
rule "oom" { when oom.victim and cgroup matches "/prod/**" except comm in ["backup"] then stdout }
rule "storm" { when count(process.fork) > 5000 within 10s by cgroup then stdout }
rule "exits" { when count(process.exit and exit_status >= 2) > 1000 within 5s by tgid then stdout }
rule "young" { when process.newtask followed by process.exit and signal == 9 within 2s by pid then stdout }
rule "migr" { when sum(migrate.pages.failed) > 100000 within 10s then stdout }
`;

function rules(text: string) {
  const r = checkRuleSources([{ file: 'bench.rules', text }]);
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.rules;
}

function event(name: string, time: number, fields: Record<string, FieldValue>): KernelEvent {
  return { name, monoNs: BigInt(Math.round(time * 1e6)), time, rules: 0n, generation: 0, truncated: false, fields };
}

function stream(n: number): KernelEvent[] {
  const names = ['process.fork', 'process.exit', 'process.newtask', 'process.exit', 'process.fork', 'migrate.pages'];
  const out: KernelEvent[] = [];
  for (let i = 0; i < n; i++) {
    const name = names[i % names.length] as string;
    out.push(
      event(name, 1000 + i / 10, {
        pid: 1000 + (i % 5000),
        tgid: 1000 + (i % 500),
        uid: 0,
        comm: 'worker',
        cpu: i % 2,
        cgroup: `/prod/svc${i % 20}`,
        cgroup_id: BigInt(100 + (i % 20)),
        exit_status: i % 3,
        signal: i % 7 === 0 ? 9 : 0,
        failed: i % 4,
        child_pid: i,
      }),
    );
  }
  return out;
}

function throughput(): void {
  const plan = planKernel(rules(RULES), []);
  const events = stream(1_000_000);
  let notices = 0;
  const e = new Evaluator(plan, { host: 'bench', useRuleBits: false }, () => notices++);
  const start = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += 1000) {
    const batch = events.slice(i, i + 1000);
    e.onEvents(batch);
    e.advanceTo((batch[batch.length - 1] as KernelEvent).time);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `evaluator: ${events.length} events x ${plan.selections.length} selections in ${seconds.toFixed(2)} s = ${Math.round(events.length / seconds)} events/s (${notices} notices)`,
  );
}

function memory(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('evaluator memory: skipped, run with node --expose-gc');
    return;
  }
  const plan = planKernel(rules('when count(process.fork) > 1000000 within 1m by tgid then stdout'), []);
  gc();
  const before = process.memoryUsage().heapUsed;
  const e = new Evaluator(plan, { host: 'bench', useRuleBits: false, maxGroups: 100_000 }, () => undefined);
  for (let i = 0; i < 100_000; i++) e.onEvent(event('process.fork', 1000, { pid: i, tgid: i, uid: 0, comm: 'x', cpu: 0, cgroup: '/', cgroup_id: 1n }));
  e.advanceTo(1100);
  gc();
  const after = process.memoryUsage().heapUsed;
  const s = e.stats();
  console.log(
    `evaluator memory: ${s.groups} live group keys, ${((after - before) / 1048576).toFixed(1)} MiB heap (${Math.round((after - before) / s.groups)} bytes per group), ${s.evictions} evictions`,
  );
}

throughput();
memory();

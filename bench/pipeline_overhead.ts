/**
 * What watching every process event costs a fork-heavy host, side by side in
 * one run: a fork+exit loop alone; with `kernwatch tail 'process.*'` writing
 * every event to /dev/null; with bpftrace printing the same tracepoints; with
 * bpftrace only counting them in kernel maps.
 *
 *   ROUNDS=5 SECONDS=5 node dist/bench/pipeline_overhead.js
 */
import { bpftrace, kernelSummary, kernwatch, prepare, report, rounds, SECONDS, type Sample } from './support/side_by_side';

const PROCESS_TRACEPOINTS = [
  ['sched:sched_process_fork', 'args->child_pid'],
  ['task:task_newtask', 'args->pid'],
  ['sched:sched_process_exit', 'args->pid'],
  ['sched:sched_process_free', 'args->pid'],
  ['sched:sched_process_hang', 'args->pid'],
  ['mmap:exit_mmap', 'pid'],
] as const;

const BPFTRACE_PRINTF = PROCESS_TRACEPOINTS.map(([tp, pid]) => `tracepoint:${tp} { printf("%s %s %d %d\\n", probe, comm, pid, ${pid}); }`).join('\n');
const BPFTRACE_COUNT = PROCESS_TRACEPOINTS.map(([tp]) => `tracepoint:${tp} { @[probe] = count(); }`).join('\n');

function delivered(ss: readonly Sample[]): string {
  let records = 0;
  let lost = 0;
  for (const s of ss) {
    const summary = kernelSummary(s.stderr);
    records += summary?.sent ?? 0;
    lost += summary?.lost ?? 0;
  }
  return `records into JS: ${Math.round(records / (ss.length * SECONDS))}/s, lost: ${lost}`;
}

async function main(): Promise<void> {
  if (!prepare()) {
    console.log('pipeline_overhead: skipped, needs root');
    return;
  }
  const samples = await rounds([
    { name: 'nothing attached', start: () => Promise.resolve(undefined) },
    { name: 'kernwatch tail', start: () => kernwatch(['tail', 'process.*'], /watching \d+ events/) },
    { name: 'bpftrace printf', start: () => bpftrace(BPFTRACE_PRINTF) },
    { name: 'bpftrace count', start: () => bpftrace(BPFTRACE_COUNT) },
  ]);
  report(`fork+exit loop, every process event (${PROCESS_TRACEPOINTS.length} tracepoints)`, samples, (name, ss) =>
    name === 'kernwatch tail' ? delivered(ss) : '',
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

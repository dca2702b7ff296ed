/**
 * The process_* metrics every Prometheus client exposes, under the same
 * names and meanings (resident memory, CPU, open files, start time), so the
 * usual dashboards and alerts work on kernwatch unchanged. Read from /proc
 * and Node at scrape time.
 */
import * as fs from 'node:fs';

export type Sample = readonly [name: string, type: 'counter' | 'gauge', help: string, value: number];

const PAGE_SIZE = 4096;
const started = Date.now() / 1000 - process.uptime();

export function processSamples(): Sample[] {
  const cpu = process.cpuUsage();
  const out: Sample[] = [
    ['process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6],
    ['process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', process.memoryUsage.rss()],
    ['process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', Math.round(started)],
  ];
  const statm = read('/proc/self/statm')?.split(' ');
  if (statm?.[0]) out.push(['process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.', Number(statm[0]) * PAGE_SIZE]);
  try {
    out.push(['process_open_fds', 'gauge', 'Number of open file descriptors.', fs.readdirSync('/proc/self/fd').length]);
  } catch {
    // no /proc: nothing to say
  }
  const limit = /^Max open files\s+(\d+)/m.exec(read('/proc/self/limits') ?? '')?.[1];
  if (limit) out.push(['process_max_fds', 'gauge', 'Maximum number of open file descriptors.', Number(limit)]);
  const heap = process.memoryUsage();
  out.push(['nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', heap.heapUsed]);
  out.push(['nodejs_external_memory_bytes', 'gauge', "Node.js external memory size in bytes (the addon's buffers among it).", heap.external]);
  return out;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

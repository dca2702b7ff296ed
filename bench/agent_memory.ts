/**
 * Where the agent's resident memory goes, and how it grows with the rule
 * set: `kernwatch run` with rules/, then with 10, 100 and 1,000 generated
 * rules added, each measured once it is ready and has run a fork burst.
 * Resident memory is split by mapping (/proc/PID/smaps): the Node binary's
 * code, the addon (with libbpf), other libraries, the BPF ring buffer and
 * maps mapped into the process, and anonymous memory (the JavaScript heap,
 * V8's code space, malloc); the JavaScript heap itself comes from the
 * agent's own process metrics.
 *
 *   node dist/bench/agent_memory.js
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generatedRuleDir, httpGet } from './support/fixtures';
import { NODE_FLAGS, ROOT } from './support/side_by_side';

const SIZES = [0, 10, 100, 1000];

interface Breakdown {
  readonly total: number;
  readonly parts: Map<string, number>;
}

/** Resident KiB per kind of mapping. */
function breakdown(pid: number): Breakdown {
  const parts = new Map<string, number>();
  let current = 'anonymous';
  let total = 0;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1] ?? '';
      current =
        name === '' || name.startsWith('[anon') || name === '[heap]'
          ? 'anonymous (JS heap, V8 code, malloc)'
          : name.includes('bpf')
            ? 'BPF ring buffer and maps'
            : name.endsWith('kernwatch.node')
              ? 'addon (kernwatch.node, libbpf inside)'
              : /\/node$/.test(name)
                ? 'Node binary'
                : name.includes('.so')
                  ? 'shared libraries'
                  : name.startsWith('[')
                    ? 'stack and kernel mappings'
                    : 'other files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      const kib = Number(rss[1]);
      parts.set(current, (parts.get(current) ?? 0) + kib);
      total += kib;
    }
  }
  return { total, parts };
}

async function measure(n: number, port: number): Promise<{ n: number; b: Breakdown; heapMiB: number }> {
  const dir = generatedRuleDir(n, (i) =>
    i % 2 === 0
      ? `rule "gen-oom-${i}" { when oom.victim and cgroup matches "/prod/svc${i}/**" severity critical summary "{comm} OOM-killed in {cgroup}" then stdout }`
      : `rule "gen-forks-${i}" { when count(process.fork) > ${1000 + i} within 10s by cgroup then stdout }`,
  );
  const config = path.join(dir, 'kernwatch.yaml');
  fs.writeFileSync(config, `rules: [${dir}]\nmetrics:\n  listen: 127.0.0.1:${port}\nstate_dir: ${dir}/state\n`);
  const agent = spawn(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin', 'kernwatch'), 'run', '--config', config], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 600 && (await httpGet(port, '/-/ready')).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    // a burst of forks, then a settle: memory as it stands in service, not just after start
    spawnSync('sh', ['-c', 'i=0; while [ $i -lt 3000 ]; do /bin/true; i=$((i+1)); done']);
    await new Promise((r) => setTimeout(r, 2_000));
    const b = breakdown(agent.pid as number);
    const metrics = (await httpGet(port, '/metrics')).body;
    const heap = Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(metrics)?.[1] ?? NaN) / 2 ** 20;
    return { n, b, heapMiB: heap };
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('agent_memory: skipped, needs root');
    return;
  }
  const results = [];
  for (const [i, n] of SIZES.entries()) results.push(await measure(n, 19_480 + i));
  const kinds = [...new Set(results.flatMap((r) => [...r.b.parts.keys()]))].sort();
  const mib = (kib: number | undefined): string => ((kib ?? 0) / 1024).toFixed(1).padStart(9);
  console.log(`kernwatch run: resident memory by mapping, MiB (rules/ plus N generated rules; after 3,000 forks)`);
  console.log(`${'mapping'.padEnd(40)}${results.map((r) => `+${r.n}`.padStart(9)).join('')}`);
  for (const k of kinds) console.log(`${k.padEnd(40)}${results.map((r) => mib(r.b.parts.get(k))).join('')}`);
  console.log(`${'total RSS'.padEnd(40)}${results.map((r) => mib(r.b.total)).join('')}`);
  console.log(`${'  of which JS heap used (process metrics)'.padEnd(40)}${results.map((r) => r.heapMiB.toFixed(1).padStart(9)).join('')}`);
}

void main();

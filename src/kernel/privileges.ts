/**
 * Whether this process may load and attach BPF programs: root, or the
 * capabilities the kernel asks for since 5.8 (CAP_BPF with CAP_PERFMON for
 * tracing programs), or CAP_SYS_ADMIN before that.
 */
import * as fs from 'node:fs';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

export function effectiveCapabilities(status = readStatus()): bigint {
  const line = status.split('\n').find((l) => l.startsWith('CapEff:'));
  return line ? BigInt(`0x${line.slice('CapEff:'.length).trim()}`) : 0n;
}

export function canTrace(caps = effectiveCapabilities()): boolean {
  const has = (cap: bigint): boolean => (caps & (1n << cap)) !== 0n;
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

function readStatus(): string {
  try {
    return fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

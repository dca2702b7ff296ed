/**
 * The one classic tracepoint program (mm_page_pcpu_drain, see
 * bpf/kernwatch.bpf.c) needs tracefs, which many hosts do not mount. Mounting
 * it where the kernel expects it is what systemd does at boot; it changes no
 * tracing state and is left in place, like a systemd host has it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const TRACEFS = '/sys/kernel/tracing';

/** Mounted, or there but not ours to read (a non-root agent): either way not ours to mount. */
function present(dir: string): boolean {
  try {
    fs.statSync(`${dir}/events`);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EACCES';
  }
}

export function tracefsMounted(): boolean {
  return present(TRACEFS) || present('/sys/kernel/debug/tracing');
}

export class TracefsError extends Error {}

/** Mounts tracefs if needed; throws a one-line TracefsError when that fails. */
export function ensureTracefs(): void {
  if (tracefsMounted()) return;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const why = ((e as { stderr?: Buffer }).stderr?.toString() ?? String(e)).trim().split('\n')[0] ?? '';
    throw new TracefsError(`mem.pcpu_drain needs tracefs at ${TRACEFS}, which is not mounted and could not be: ${why}`);
  }
}

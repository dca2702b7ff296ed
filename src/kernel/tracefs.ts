/**
 * The one classic tracepoint program (mm_page_pcpu_drain, see
 * bpf/kernwatch.bpf.c) needs tracefs, which many hosts do not mount. Mounting
 * it where the kernel expects it is what systemd does at boot; it changes no
 * tracing state and is left in place, like a systemd host has it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const TRACEFS = '/sys/kernel/tracing';

export function tracefsMounted(): boolean {
  return fs.existsSync(`${TRACEFS}/events`) || fs.existsSync('/sys/kernel/debug/tracing/events');
}

/** Mounts tracefs if needed; throws with the mount error otherwise. */
export function ensureTracefs(): void {
  if (tracefsMounted()) return;
  execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: ['ignore', 'ignore', 'pipe'] });
}

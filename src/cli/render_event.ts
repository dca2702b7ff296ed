/** One-line human rendering of an event, safe for a terminal. */
import type { KernelEvent } from '../events/event';

const HEADLINE = new Set(['pid', 'comm', 'cgroup']);

/** Kernel strings are untrusted: a process may name itself with escape codes. */
export function terminalSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function show(v: unknown): string {
  if (typeof v === 'string') return /^[\x21-\x7e]*$/.test(v) && v !== '' ? terminalSafe(v) : JSON.stringify(terminalSafe(v));
  return String(v);
}

export function renderEvent(e: KernelEvent): string {
  const time = new Date(e.time).toISOString().slice(11, 23);
  const f = e.fields;
  const who = `${show(f.comm)}[${show(f.pid)}]`;
  const where = f.cgroup !== undefined ? ` ${show(f.cgroup)}` : '';
  const rest = Object.entries(f)
    .filter(([k]) => !HEADLINE.has(k) && k !== 'cpu' && k !== 'tgid' && k !== 'uid' && !k.endsWith('_id'))
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
  return `${time} ${e.name.padEnd(18)} ${who}${where}${rest ? ` ${rest}` : ''}${e.truncated ? ' (path truncated)' : ''}`;
}

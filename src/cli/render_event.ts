/** One-line human rendering of an event, safe for a terminal. */
import type { KernelEvent } from '../events/event';
import { visible } from '../notifiers/escape';

const HEADLINE = new Set(['pid', 'comm', 'cgroup']);

/** Kernel strings are untrusted: a process may name itself with escape codes. */
function show(v: unknown): string {
  if (typeof v === 'string') return /^[\x21-\x7e]*$/.test(v) && v !== '' ? visible(v) : JSON.stringify(visible(v));
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

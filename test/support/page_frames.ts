/** The range of page frame numbers this machine's memory zones span, from /proc/zoneinfo. */
import * as fs from 'node:fs';

export interface PfnRange {
  /** first pfn of the lowest zone */
  readonly first: number;
  /** one past the last pfn of the highest zone */
  readonly end: number;
}

export function pfnRange(zoneinfo = fs.readFileSync('/proc/zoneinfo', 'utf8')): PfnRange {
  let first = Infinity;
  let end = 0;
  let spanned = 0;
  for (const line of zoneinfo.split('\n')) {
    const span = /^\s+spanned\s+(\d+)/.exec(line);
    if (span) spanned = Number(span[1]);
    const start = /^\s+start_pfn:\s+(\d+)/.exec(line);
    if (start && spanned > 0) {
      first = Math.min(first, Number(start[1]));
      end = Math.max(end, Number(start[1]) + spanned);
    }
  }
  if (end === 0) throw new Error('no memory zone in /proc/zoneinfo');
  return { first, end };
}

// @ts-check
// Eight seconds of per-CPU page drains on a busy host: `kernwatch record
// mem.pcpu_drain oom.victim` while two 32 MiB memory cgroups hit their limit
// and a compiler ran. The recording's 122,958 lines are rebuilt here from its
// count per 100 ms, each count spread evenly over its 100 ms. See storm.js.
'use strict';
const { recorded, at, print } = require('./storm');

/** @type {Array<[string, number]>} drains recorded in each 100 ms from 15:35:36.6 (others had none) */
const per100ms = [
  ['36.6', 4328], ['36.7', 13454], ['36.8', 9861], ['36.9', 5692], ['37.0', 2016],
  ['39.7', 953], ['39.8', 6044], ['40.0', 2016], ['41.4', 12096], ['42.8', 12096],
  ['43.0', 21249], ['43.1', 6048], ['43.3', 7348], ['43.5', 6367], ['43.6', 9036], ['44.0', 4354],
];

const lines = [];
for (const [second, n] of per100ms) {
  const start = Date.parse(`2026-11-25T15:35:${second}00Z`);
  for (let j = 0; j < n; j++) {
    lines.push(at(recorded.drain, new Date(start + Math.floor((j * 100) / n)).toISOString(), { pfn: 1_100_000 + (j % 65_536) }));
  }
}
print(lines);

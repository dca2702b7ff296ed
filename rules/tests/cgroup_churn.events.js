// @ts-check
// A container that restarts in a loop: from 15:40:00 its runtime creates a
// cgroup for it 4 times a second and removes it 200 ms later, for 3m30s.
// See storm.js.
'use strict';
const { recorded, at, storm, print } = require('./storm');

const container = (/** @type {number} */ i) => ({ pid: 40_000 + 3 * i, tgid: 40_000 + 3 * i, comm: 'runc', level: 2, cgroup: `/kw-churn/ctr-${i}`, cgroup_id: String(5_000 + i) });

print([
  ...storm(recorded.mkdir, { from: '2026-11-25T15:40:00.000Z', seconds: 210, everyMs: 250, vary: container }),
  ...storm(recorded.rmdir, { from: '2026-11-25T15:40:00.200Z', seconds: 210, everyMs: 250, vary: container }),
  // an unrelated event later moves the replay's clock past the end of the churn
  at(recorded.free, '2026-11-25T15:45:00.000Z'),
]);

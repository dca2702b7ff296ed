// @ts-check
// Near misses of cgroup-churn and cgroup-removal-churn (see storm.js):
//   from 15:40:00, a cgroup created every 300 ms and removed 200 ms later, for
//     4 minutes: 200 in every minute, and the rules want more than 200;
//   from 15:46:00, a deploy creates 400 cgroups in 20 s and removes them all
//     in the next 20 s: over 200 in the last minute for one minute (creations
//     from 15:46:10.1 to 15:47:10.0), and the rules want 2m.
'use strict';
const { recorded, at, storm, print } = require('./storm');

const steady = (/** @type {number} */ i) => ({ pid: 40_000 + 3 * i, tgid: 40_000 + 3 * i, comm: 'runc', level: 2, cgroup: `/kw-steady/ctr-${i}`, cgroup_id: String(5_000 + i) });
const deploy = (/** @type {number} */ i) => ({ pid: 50_000 + 3 * i, tgid: 50_000 + 3 * i, comm: 'runc', level: 2, cgroup: `/kw-deploy/ctr-${i}`, cgroup_id: String(6_000 + i) });

print([
  ...storm(recorded.mkdir, { from: '2026-11-25T15:40:00.000Z', seconds: 240, everyMs: 300, vary: steady }),
  ...storm(recorded.rmdir, { from: '2026-11-25T15:40:00.200Z', seconds: 240, everyMs: 300, vary: steady }),
  ...storm(recorded.mkdir, { from: '2026-11-25T15:46:00.000Z', seconds: 20, everyMs: 50, vary: deploy }),
  ...storm(recorded.rmdir, { from: '2026-11-25T15:46:20.000Z', seconds: 20, everyMs: 50, vary: deploy }),
  // an unrelated event later moves the replay's clock past the last tick that could fire
  at(recorded.free, '2026-11-25T15:50:00.000Z'),
]);

// @ts-check
// Near misses of fork-storm, each in a cgroup of its own (see storm.js):
//   /system.slice/build-42.service forks 250 a second for 45 s: build jobs are excepted;
//   /kw-spike forks 250 a second for 35 s: over 2000 in 10s from 15:40:08.1 to
//     15:40:36.9, 28.8 s, and the rule wants 30s;
//   /kw-busy forks 200 a second for 45 s: 2000 in 10s, and the rule wants more.
'use strict';
const { recorded, at, storm, print } = require('./storm');

const child = (/** @type {number} */ pid) => ({ child_pid: pid, child_tgid: pid });

print([
  ...storm(recorded.fork, {
    from: '2026-11-25T15:40:00.000Z', seconds: 45, everyMs: 4,
    vary: (i) => ({ cgroup: '/system.slice/build-42.service', cgroup_id: '3310', pid: 7010, tgid: 7010, comm: 'make', child_comm: 'make', ...child(10_000 + i) }),
  }),
  ...storm(recorded.fork, {
    from: '2026-11-25T15:40:00.001Z', seconds: 35, everyMs: 4,
    vary: (i) => ({ cgroup: '/kw-spike', cgroup_id: '3311', pid: 7011, tgid: 7011, cpu: 1, ...child(20_000 + i) }),
  }),
  ...storm(recorded.fork, {
    from: '2026-11-25T15:40:00.002Z', seconds: 45, everyMs: 5,
    vary: (i) => ({ cgroup: '/kw-busy', cgroup_id: '3312', pid: 7012, tgid: 7012, ...child(30_000 + i) }),
  }),
  // an unrelated event later moves the replay's clock past the last tick that could fire
  at(recorded.free, '2026-11-25T15:41:30.000Z'),
]);

// @ts-check
// A crash-looping supervisor in /kw-forkbomb forks 250 children a second for
// 45 s, while its neighbour /kw-busy forks 125 a second. See storm.js.
'use strict';
const { recorded, at, storm, print } = require('./storm');

const child = (/** @type {number} */ pid) => ({ child_pid: pid, child_tgid: pid });

print([
  ...storm(recorded.fork, {
    from: '2026-11-25T15:40:00.000Z', seconds: 45, everyMs: 4,
    vary: (i) => ({ cgroup: '/kw-forkbomb', cgroup_id: '3301', pid: 7001, tgid: 7001, comm: 'supervise', child_comm: 'supervise', ...child(10_000 + i) }),
  }),
  ...storm(recorded.fork, {
    from: '2026-11-25T15:40:00.002Z', seconds: 45, everyMs: 8,
    vary: (i) => ({ cgroup: '/kw-busy', cgroup_id: '3302', pid: 7002, tgid: 7002, cpu: 1, ...child(30_000 + i) }),
  }),
  // an unrelated event later moves the replay's clock past `keep firing for`
  at(recorded.free, '2026-11-25T15:43:00.000Z'),
]);

// @ts-check
// A crash-looping supervisor in /kw-forkbomb forks 250 children a second for
// 45 s, while its neighbour /kw-busy forks 125 a second. See storm.js.
'use strict';
const { at, storm, print } = require('./storm');

// recorded with `kernwatch record process.fork` in a scratch v2 cgroup
const fork = {"event":"process.fork","time":"2026-11-25T15:37:06.289Z","mono_ns":"3203287311322","cpu":0,"pid":6976,"tgid":6976,"uid":0,"comm":"bash","child_pid":6980,"child_tgid":6980,"child_comm":"bash","cgroup_id":"3274","cgroup":"/kw-forks"};

const child = (/** @type {number} */ pid) => ({ child_pid: pid, child_tgid: pid });

print([
  ...storm(fork, {
    from: '2026-11-25T15:40:00.000Z', seconds: 45, everyMs: 4,
    vary: (i) => ({ cgroup: '/kw-forkbomb', cgroup_id: '3301', pid: 7001, tgid: 7001, comm: 'supervise', child_comm: 'supervise', ...child(10_000 + i) }),
  }),
  ...storm(fork, {
    from: '2026-11-25T15:40:00.002Z', seconds: 45, everyMs: 8,
    vary: (i) => ({ cgroup: '/kw-busy', cgroup_id: '3302', pid: 7002, tgid: 7002, cpu: 1, ...child(30_000 + i) }),
  }),
  // an unrelated event later moves the replay's clock past `keep firing for`
  at({"event":"process.free","time":"2026-11-25T15:37:06.300Z","mono_ns":"3203298000000","cpu":0,"pid":6980,"tgid":6980,"uid":0,"comm":"true","prio":120,"cgroup_id":"3274","cgroup":"/kw-forks"}, '2026-11-25T15:43:00.000Z'),
]);

// @ts-check
// A container that restarts in a loop: from 15:40:00 its runtime creates a
// cgroup for it 4 times a second and removes it 200 ms later, for 3m30s.
// See storm.js.
'use strict';
const { at, storm, print } = require('./storm');

// recorded with `kernwatch record cgroup.mkdir cgroup.rmdir` around a scratch v2 cgroup
const mkdir = {"event":"cgroup.mkdir","time":"2026-11-25T15:33:50.233Z","mono_ns":"3007231753889","cpu":0,"pid":28798,"tgid":28798,"uid":0,"comm":"mkdir","level":1,"cgroup":"/kw-stuck-28364","cgroup_id":"3179","hierarchy":"unified"};
const rmdir = {"event":"cgroup.rmdir","time":"2026-11-25T15:39:12.872Z","mono_ns":"3329870622032","cpu":0,"pid":10796,"tgid":10796,"uid":0,"comm":"rmdir","level":1,"cgroup":"/kw-stuck-28364","cgroup_id":"3179","hierarchy":"unified"};

const container = (/** @type {number} */ i) => ({ pid: 40_000 + 3 * i, tgid: 40_000 + 3 * i, comm: 'runc', level: 2, cgroup: `/kw-churn/ctr-${i}`, cgroup_id: String(5_000 + i) });

print([
  ...storm(mkdir, { from: '2026-11-25T15:40:00.000Z', seconds: 210, everyMs: 250, vary: container }),
  ...storm(rmdir, { from: '2026-11-25T15:40:00.200Z', seconds: 210, everyMs: 250, vary: container }),
  // an unrelated event later moves the replay's clock past the end of the churn
  at({"event":"process.free","time":"2026-11-25T15:37:06.300Z","mono_ns":"3203298000000","cpu":0,"pid":6980,"tgid":6980,"uid":0,"comm":"true","prio":120,"cgroup_id":"3274","cgroup":"/kw-forks"}, '2026-11-25T15:45:00.000Z'),
]);

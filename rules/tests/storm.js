// @ts-check
/**
 * Event storms for the replay tests of rules that count thousands of events
 * (a fork storm, cgroup churn, a burst of per-CPU drains): too many lines to
 * read or review, so `<name>.events.js` builds them from one recorded line,
 * repeated at a steady rate, and prints the recording on stdout. The replay
 * test (test/rules_replay.test.ts) runs it and replays what it printed:
 *
 *   node rules/tests/fork_storm.events.js > /tmp/fork_storm.events.jsonl
 *   kernwatch rules test rules/ --replay /tmp/fork_storm.events.jsonl --expect rules/tests/fork_storm.expect.yaml
 */
'use strict';

/**
 * @typedef {Record<string, unknown> & { time: string, mono_ns: string }} Line
 * A recorded line, as `kernwatch record` writes it.
 */

/**
 * Lines recorded on the test host (`kernwatch record EVENT...`; the forks
 * and cgroups in scratch v2 cgroups): the templates of every storm.
 */
const recorded = {
  fork: {"event":"process.fork","time":"2026-11-25T15:37:06.289Z","mono_ns":"3203287311322","cpu":0,"pid":6976,"tgid":6976,"uid":0,"comm":"bash","child_pid":6980,"child_tgid":6980,"child_comm":"bash","cgroup_id":"3274","cgroup":"/kw-forks"},
  mkdir: {"event":"cgroup.mkdir","time":"2026-11-25T15:33:50.233Z","mono_ns":"3007231753889","cpu":0,"pid":28798,"tgid":28798,"uid":0,"comm":"mkdir","level":1,"cgroup":"/kw-stuck-28364","cgroup_id":"3179","hierarchy":"unified"},
  rmdir: {"event":"cgroup.rmdir","time":"2026-11-25T15:39:12.872Z","mono_ns":"3329870622032","cpu":0,"pid":10796,"tgid":10796,"uid":0,"comm":"rmdir","level":1,"cgroup":"/kw-stuck-28364","cgroup_id":"3179","hierarchy":"unified"},
  drain: {"event":"mem.pcpu_drain","time":"2026-11-25T15:35:36.670Z","mono_ns":"3113667680149","cpu":1,"pid":4617,"tgid":4613,"uid":0,"comm":"node","pfn":1171617,"order":0,"migratetype":1,"cgroup_id":"1","cgroup":"/"},
  /** no rule watches process.free: a later one only moves a replay's clock */
  free: {"event":"process.free","time":"2026-11-25T15:37:06.300Z","mono_ns":"3203298000000","cpu":0,"pid":6980,"tgid":6980,"uid":0,"comm":"true","prio":120,"cgroup_id":"3274","cgroup":"/kw-forks"},
};

/**
 * `template` moved to `time` (ISO), its mono_ns moved by as much, with `set` applied.
 * @param {Line} template
 * @param {string} time
 * @param {Record<string, unknown>} [set]
 * @returns {Line}
 */
function at(template, time, set = {}) {
  const shiftMs = Date.parse(time) - Date.parse(template.time);
  const mono = BigInt(template.mono_ns) + BigInt(shiftMs) * 1_000_000n;
  return { ...template, time: new Date(Date.parse(time)).toISOString(), mono_ns: mono.toString(), ...set };
}

/**
 * Copies of `template` one every `everyMs` for `seconds` from `from`;
 * `vary(i)` gives the fields of the i-th (pids, ids...).
 * @param {Line} template
 * @param {{ from: string, seconds: number, everyMs: number, vary?: (i: number) => Record<string, unknown> }} storm
 * @returns {Line[]}
 */
function storm(template, { from, seconds, everyMs, vary = () => ({}) }) {
  const n = (seconds * 1000) / everyMs;
  if (!Number.isInteger(everyMs) || !Number.isInteger(n)) throw new Error(`storm: ${seconds} s is not a whole number of ${everyMs} ms steps`);
  const start = Date.parse(from);
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(at(template, new Date(start + i * everyMs).toISOString(), vary(i)));
  return lines;
}

/**
 * Prints `lines` in time order, as a recording is.
 * @param {Line[]} lines
 */
function print(lines) {
  const sorted = [...lines].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  process.stdout.write(sorted.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

module.exports = { recorded, at, storm, print };

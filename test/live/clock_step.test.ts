/**
 * A step of the wall clock (an NTP step at boot, a VM resumed, `date -s`)
 * blinds no window: records and ticks share the kernel's monotonic clock.
 * The step is made to this process's view of the wall clock (Date.now), so
 * the machine's own clock is left alone; before the fix, ticks read
 * Date.now while records did not, and after a +120 s step an event alert
 * with a 2 s cooldown resolved at once and a window rule never fired.
 * Inside a QEMU guest (KW_IN_GUEST=1, scripts/vm/guest-suite.sh) the
 * machine's own clock is stepped too, with date -s, and put back.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { AlertNotice } from '../../src/engine/rule_state';
import { sleep } from '../support/bounded';
import { noticeFor, withEngine } from '../support/live_engine';
import { runNamed } from '../support/named_process';
import { NEEDS_ROOT } from '../support/root';

const RULES = `
rule "step-event" { when process.exit and comm == "kw-step" cooldown 2s then stdout }
rule "step-window" { when count(process.exit and comm == "kw-step-w") >= 3 within 10s then stdout }
`;

for (const stepMs of [120_000, -240_000]) {
  test(`after a ${stepMs / 1000} s step of the wall clock, a cooldown still lasts its time and a window still fires`, { skip: NEEDS_ROOT }, async () => {
    const realNow = Date.now.bind(Date);
    await withEngine(RULES, async (engine, notices) => {
      try {
        Date.now = () => realNow() + stepMs;
        await sleep(300); // ticks run on after the step
        runNamed('kw-step', 'pass');
        const fired = await noticeFor(notices, (n) => n.alert.rule === 'step-event' && n.change === 'firing', 5_000);
        const firedAt = performance.now();
        await noticeFor(notices, (n) => n.alert.rule === 'step-event' && n.change === 'resolved', 10_000);
        const resolvedAfter = performance.now() - firedAt;
        assert.ok(resolvedAfter >= 1_500, `resolved ${resolvedAfter.toFixed(0)} ms after firing: a 2 s cooldown`);
        for (let i = 0; i < 3; i++) runNamed('kw-step-w', 'pass');
        await noticeFor(notices, (n) => n.alert.rule === 'step-window' && n.change === 'firing', 5_000);
        assert.ok(Math.abs(fired.alert.startsAt - (realNow() + stepMs)) < 60_000, 'wall times are read off the wall clock when the notice is made');
      } finally {
        Date.now = realNow;
      }
      await engine.stop();
    });
  });
}

/** The wall clock as it would read had it not been stepped: its reading at start plus the monotonic time since. */
function unsteppedClock(): () => number {
  const wall = Date.now();
  const mono = performance.now();
  return () => wall + (performance.now() - mono);
}

function setWallClock(ms: number): void {
  execFileSync('date', ['-u', '-s', `@${(ms / 1000).toFixed(3)}`], { stdio: 'ignore' });
}

const IN_GUEST = process.env.KW_IN_GUEST === '1' ? false : "steps the machine's clock: runs only inside a QEMU guest (scripts/vm/guest-suite.sh)";

const PHASES = [
  ['control', 0],
  ['+120 s', 120_000],
  ['-240 s', -240_000],
] as const;

test(
  'the machine clock stepped +120 s, then -240 s: after each step an event alert keeps its cooldown and a window rule fires, as before any step',
  { skip: NEEDS_ROOT || IN_GUEST },
  async () => {
    // rules of their own per phase, so that no phase waits for an alert of the one before to resolve
    const rules = PHASES.map(
      (_, i) => `
rule "guest-event-${i}" { when process.exit and comm == "kw-gstep${i}" cooldown 3s then stdout }
rule "guest-window-${i}" { when count(process.exit and comm == "kw-gwin${i}") >= 3 within 60s then stdout }`,
    ).join('\n');
    const trueNow = unsteppedClock();
    await withEngine(rules, async (engine, notices) => {
      const seen = (rule: string, change: string) => (n: AlertNotice) => n.alert.rule === rule && n.change === change;
      try {
        // an emulated guest runs some 35 times slower: every wait is wide
        for (const [i, [phase, stepMs]] of PHASES.entries()) {
          if (stepMs !== 0) setWallClock(trueNow() + stepMs);
          runNamed(`kw-gstep${i}`, 'pass');
          await noticeFor(notices, seen(`guest-event-${i}`, 'firing'), 60_000);
          const firedAt = performance.now();
          await noticeFor(notices, seen(`guest-event-${i}`, 'resolved'), 120_000);
          const resolvedAfter = performance.now() - firedAt;
          assert.ok(resolvedAfter >= 2_500, `${phase}: resolved ${resolvedAfter.toFixed(0)} ms after firing: a 3 s cooldown`);
          for (let n = 0; n < 3; n++) runNamed(`kw-gwin${i}`, 'pass');
          const windowed = await noticeFor(notices, seen(`guest-window-${i}`, 'firing'), 120_000);
          assert.ok(Math.abs(windowed.alert.startsAt - Date.now()) < 60_000, `${phase}: startsAt is read off the wall clock as it is now`);
        }
      } finally {
        setWallClock(trueNow());
      }
      await engine.stop();
    });
  },
);

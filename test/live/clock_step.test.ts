/**
 * A step of the wall clock (an NTP step at boot, a VM resumed, `date -s`)
 * blinds no window: records and ticks share the kernel's monotonic clock.
 * The step is made to this process's view of the wall clock (Date.now), so
 * the machine's own clock is left alone; before the fix, ticks read
 * Date.now while records did not, and after a +120 s step an event alert
 * with a 2 s cooldown resolved at once and a window rule never fired.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
        assert.ok(Math.abs(fired.alert.startsAt - realNow()) < 60_000, 'alert times keep the offset taken at start');
      } finally {
        Date.now = realNow;
      }
      await engine.stop();
    });
  });
}

/**
 * The floods of bench/flood.ts, as process groups that end by themselves
 * after their seconds and are stopped early by `stop()`: fork loops
 * (bench/forkloop.c), and the memory-compaction storm (support/memstorm.c):
 * a 1 GiB fragmented holder, three processes mapping, touching, giving back
 * and unmapping 384 MiB over and over, and vm.compact_memory written every
 * 0.25 s.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { spawnGroup, stopGroup, type Group } from './groups';
import { prepare, ROOT } from './side_by_side';

const OUT = path.join(ROOT, 'bench', '.output');
const FORKLOOP = path.join(OUT, 'forkloop');
const MEMSTORM = path.join(OUT, 'memstorm');

export const HOLD_MIB = 1024;
/** the three; FLOOD_CHURNERS for a harder storm on a faster agent */
export const CHURNERS = Number(process.env.FLOOD_CHURNERS ?? 3);
export const CHURN_MIB = 384;
export const COMPACT_EVERY_MS = 250;

export interface Storm {
  /** stops what still runs and says what it did ("6,512 forks/s") */
  stop(): Promise<string>;
}

/** Builds forkloop and memstorm; false when not root. */
export function buildStorms(): boolean {
  if (!prepare()) return false;
  execFileSync('cc', ['-O2', '-o', MEMSTORM, path.join(ROOT, 'bench', 'support', 'memstorm.c')]);
  return true;
}

async function stopAll(groups: readonly Group[]): Promise<void> {
  await Promise.all(groups.map((g) => stopGroup(g)));
}

/** `n` fork loops for `seconds`; says their forks a second, summed. */
export async function forkStorm(n: number, seconds: number): Promise<Storm> {
  const loops: Group[] = [];
  try {
    for (let i = 0; i < n; i++) loops.push(await spawnGroup([FORKLOOP, String(seconds)], { stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch (e) {
    await stopAll(loops);
    throw e;
  }
  return {
    async stop() {
      // a loop prints its rate when its seconds are over; one stopped early says nothing
      await Promise.race([Promise.all(loops.map((l) => l.exited)), new Promise((r) => setTimeout(r, 3_000))]);
      await stopAll(loops);
      const rates = loops.map((l) => Number(l.out().trim())).filter((x) => x > 0);
      const total = rates.reduce((a, b) => a + b, 0);
      return rates.length === n ? `${Math.round(total).toLocaleString('en')} forks/s` : 'forks/s not known (a loop was stopped early)';
    },
  };
}

/** The compaction storm for `seconds`; says the churners' passes and the compactions done. */
export async function compactionStorm(seconds: number): Promise<Storm> {
  const groups: Group[] = [];
  const start = async (argv: string[]): Promise<void> => {
    groups.push(await spawnGroup([MEMSTORM, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }));
  };
  try {
    await start(['hold', String(HOLD_MIB), String(seconds + 30)]);
    // the holder has touched its gigabyte and given back every other page before the churn starts
    const holder = groups[0] as Group;
    for (let waited = 0; !holder.out().includes('held') && waited < 30_000; waited += 50) {
      if (holder.child.exitCode !== null) throw new Error(`memstorm hold failed: ${holder.err()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < CHURNERS; i++) await start(['churn', String(CHURN_MIB), String(seconds)]);
    await start(['compact', String(COMPACT_EVERY_MS), String(seconds)]);
  } catch (e) {
    await stopAll(groups);
    throw e;
  }
  return {
    async stop() {
      await Promise.race([Promise.all(groups.slice(1).map((g) => g.exited)), new Promise((r) => setTimeout(r, 3_000))]);
      await stopAll(groups);
      // each says its count so far after every pass or compaction: the last one counts
      const last = (g: Group | undefined, what: string): number => Number([...(g?.out() ?? '').matchAll(new RegExp(`(\\d+) ${what}`, 'g'))].at(-1)?.[1] ?? 0);
      const passes = groups.slice(1, 1 + CHURNERS).reduce((a, g) => a + last(g, 'passes'), 0);
      return `${passes} churn passes of ${CHURN_MIB} MiB, ${last(groups.at(-1), 'compactions')} compactions`;
    },
  };
}

/**
 * Another agent, for the lock tests: takes the state directory's lock,
 * says `held` or `refused: <message>` on stdout, and holds it until killed
 * (or, with a number of milliseconds, releases it after that long).
 *   node lock_child.js STATE_DIR [HOLD_MS]
 */
import { StateDirLock } from '../../src/agent/state_dir_lock';

async function main(): Promise<void> {
  const [dir, holdMs] = process.argv.slice(2);
  let lock: StateDirLock;
  try {
    lock = await StateDirLock.take(dir ?? '');
  } catch (e) {
    process.stdout.write(`refused: ${(e as Error).message}\n`);
    return;
  }
  process.stdout.write('held\n');
  // the lock's socket does not keep a process alive: this does
  const keep = setInterval(() => undefined, 1_000);
  if (holdMs !== undefined) {
    setTimeout(() => {
      lock.release();
      clearInterval(keep);
    }, Number(holdMs));
  }
}

void main();

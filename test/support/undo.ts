/**
 * Global changes a live test makes (a CPU offline, a sysctl, a frozen
 * filesystem) must be undone even if the test process dies half way. Each
 * change registers a synchronous undo here: the test's `finally` runs it, and
 * if that never happens, process exit or SIGINT/SIGTERM does.
 */
const pending = new Set<Undo>();

export interface Undo {
  /** Runs the undo until it succeeds once; later calls do nothing. */
  run(): void;
}

let hooked = false;

function runAll(): void {
  for (const u of [...pending].reverse()) {
    try {
      u.run();
    } catch {
      // best effort at exit: the other undos must still run
    }
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      runAll();
      process.kill(process.pid, signal);
    });
  }
}

/** Registers `fn` to undo a global change; call `.run()` in a finally block. */
export function registerUndo(fn: () => void): Undo {
  hook();
  let done = false;
  const undo: Undo = {
    run() {
      if (done) return;
      fn(); // if this throws, the undo stays pending for a retry or for exit
      done = true;
      pending.delete(undo);
    },
  };
  pending.add(undo);
  return undo;
}

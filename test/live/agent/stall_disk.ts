/**
 * Preloaded into `kernwatch run` by the start-up tests (NODE_OPTIONS
 * --require): a disk that does not answer. Reading the directory
 * KW_STALL_DIR takes KW_STALL_MS, or never ends when that is unset, as on a
 * hung NFS mount; the stall is announced on stderr as a log line the test
 * can wait for.
 */
import * as fs from 'node:fs';

const dir = process.env.KW_STALL_DIR;
if (dir) {
  // the module object itself (the same as node:fs/promises), which the agent's namespace imports read through
  const promises = fs.promises as { readdir: (target: fs.PathLike, ...rest: unknown[]) => Promise<unknown> };
  const original = promises.readdir.bind(fs.promises);
  promises.readdir = (target, ...rest) => {
    if (String(target) !== dir) return original(target, ...rest);
    process.stderr.write(`${JSON.stringify({ level: 'info', msg: 'test: reading the outbox stalls', dir })}\n`);
    const ms = Number(process.env.KW_STALL_MS);
    return new Promise((resolve, reject) => {
      if (Number.isFinite(ms)) setTimeout(() => void original(target, ...rest).then(resolve, reject), ms);
    });
  };
}

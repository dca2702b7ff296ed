/**
 * Preloaded into `kernwatch run` by the start-up and durability tests
 * (NODE_OPTIONS --require): a disk that does not answer. The file system
 * call KW_STALL_CALL (readdir, the default, or rename) on the directory
 * KW_STALL_DIR (for rename: of a file in it) takes KW_STALL_MS, or never
 * ends when that is unset: a hung NFS mount, or an event loop so starved
 * that the next step of a write never runs. The first stall is announced on
 * stderr as a log line the test can wait for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type Call = (target: fs.PathLike, ...rest: unknown[]) => Promise<unknown>;

const dir = process.env.KW_STALL_DIR;
const call = process.env.KW_STALL_CALL === 'rename' ? 'rename' : 'readdir';
if (dir) {
  // the module object itself (the same as node:fs/promises), which the agent's namespace imports read through
  const promises = fs.promises as unknown as Record<typeof call, Call>;
  const original: Call = promises[call].bind(fs.promises);
  const stalls = (target: fs.PathLike): boolean => (call === 'rename' ? path.dirname(String(target)) : String(target)) === dir;
  let announced = false;
  promises[call] = (target, ...rest) => {
    if (!stalls(target)) return original(target, ...rest);
    if (!announced) process.stderr.write(`${JSON.stringify({ level: 'info', msg: `test: ${call} stalls`, dir, target: String(target) })}\n`);
    announced = true;
    const ms = Number(process.env.KW_STALL_MS);
    return new Promise((resolve, reject) => {
      if (Number.isFinite(ms)) setTimeout(() => void original(target, ...rest).then(resolve, reject), ms);
    });
  };
}

/**
 * Reading a file a person named (a rule file, the config, a secret) without
 * letting it hang or swamp the agent: only regular files (a FIFO would block
 * until a writer came, /dev/zero never ends), opened without blocking, and
 * at most `maxBytes` of them. Errors are sentences with the path.
 */
import * as fs from 'node:fs';

export class TextFileError extends Error {
  override readonly name = 'TextFileError';
}

export const RULE_FILE_MAX_BYTES = 1024 * 1024;
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
export const SECRET_FILE_MAX_BYTES = 64 * 1024;
/** recordings and expectations for `rules test --replay` */
export const RECORDING_MAX_BYTES = 512 * 1024 * 1024;

/** errno codes in words, for every message that names a file or directory */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
};

export function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && REASONS[code]) ?? code ?? String(e);
}

export function readTextFile(file: string, maxBytes: number, what = 'file'): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    throw new TextFileError(`${file}: cannot read the ${what}: ${describeErrno(e)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new TextFileError(`${file}: the ${what} is not a regular file (${kindOf(stat)})`);
    if (stat.size > maxBytes) throw new TextFileError(`${file}: the ${what} is ${formatSize(stat.size)}, over the limit of ${formatSize(maxBytes)}`);
    // one byte more than the size said: a file growing while read is caught, never read past the limit
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0;) length += n;
    if (length > stat.size) throw new TextFileError(`${file}: the ${what} changed while it was being read`);
    return buffer.toString('utf8', 0, length);
  } catch (e) {
    if (e instanceof TextFileError) throw e;
    throw new TextFileError(`${file}: cannot read the ${what}: ${describeErrno(e)}`);
  } finally {
    fs.closeSync(fd);
  }
}

function kindOf(s: fs.Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a file';
}

function formatSize(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} bytes`;
}

/**
 * Reading state kernwatch wrote itself (outbox entries, alerts.json) without
 * ever blocking on what someone put in its place: a FIFO opened for a
 * blocking read waits for a writer forever, and with it the start-up (or a
 * thread of libuv's pool). Opened with O_NONBLOCK and O_NOFOLLOW, checked
 * with fstat, read only if a regular file of at most `maxBytes`. What cannot
 * be used is set aside as `*.corrupt`, so the next start does not trip on it.
 */
import * as fs from 'node:fs/promises';
import { constants } from 'node:fs';

/** Why a state file cannot be read; `code` is the errno or one of ours. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';

  constructor(
    message: string,
    /** an errno, or ENOTREG (not a regular file), EFBIG (over the size limit) */
    readonly code: string,
  ) {
    super(message);
  }
}

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY;

/** The text of `file`; throws StateFileError (ENOENT, ELOOP for a symlink, ENOTREG, EFBIG, or the read's errno). */
export async function readRegularFile(file: string, maxBytes: number): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new StateFileError(code === 'ELOOP' ? 'a symbolic link' : code, code);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new StateFileError(`not a regular file (${kindOf(stat)})`, 'ENOTREG');
    if (stat.size > maxBytes) throw new StateFileError(`${stat.size} bytes, over the limit of ${maxBytes}`, 'EFBIG');
    return await handle.readFile('utf8');
  } catch (e) {
    if (e instanceof StateFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new StateFileError(code, code);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Renames `file` to `file.corrupt` (replacing an older one); returns the new name, or undefined when the disk refused. */
export async function setAside(file: string): Promise<string | undefined> {
  const aside = `${file}.corrupt`;
  try {
    await fs.rename(file, aside);
    return aside;
  } catch {
    // a read-only disk: it stays, and is refused again at the next start
    return undefined;
  }
}

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a file';
}

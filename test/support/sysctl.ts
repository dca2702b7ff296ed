/** Changing a sysctl for the length of a test, with the old value always restored. */
import * as fs from 'node:fs';
import { registerUndo, type Undo } from './undo';

const file = (name: string): string => `/proc/sys/${name.replace(/\./g, '/')}`;

export function readSysctl(name: string): string {
  return fs.readFileSync(file(name), 'utf8').trim();
}

/** Sets `name` (e.g. "kernel.hung_task_timeout_secs"); `.run()` the result to restore it. */
export function setSysctl(name: string, value: string | number): Undo {
  const old = readSysctl(name);
  const undo = registerUndo(() => fs.writeFileSync(file(name), old));
  fs.writeFileSync(file(name), String(value));
  return undo;
}

/**
 * Taking a CPU offline for a moment. Never CPU 0, and the CPU is always
 * brought back online: in the finally block, or at process exit.
 */
import * as fs from 'node:fs';
import { registerUndo } from './undo';

const onlineFile = (cpu: number): string => `/sys/devices/system/cpu/cpu${cpu}/online`;

export function isOnline(cpu: number): boolean {
  return fs.readFileSync(onlineFile(cpu), 'utf8').trim() === '1';
}

/** Why `cpu` cannot be taken offline here, or false if it can. */
export function hotplugUnavailable(cpu: number): string | false {
  if (cpu === 0) return 'cpu0 is never taken offline';
  if (!fs.existsSync(onlineFile(cpu))) return `needs a hot-pluggable cpu${cpu}`;
  if (!isOnline(cpu)) return `cpu${cpu} is already offline`;
  return false;
}

/** Takes `cpu` offline, runs `whileOffline`, and brings it back online whatever happens. */
export async function withCpuOffline<T>(cpu: number, whileOffline: () => T | Promise<T>): Promise<T> {
  const why = hotplugUnavailable(cpu);
  if (why) throw new Error(why);
  const online = registerUndo(() => fs.writeFileSync(onlineFile(cpu), '1'));
  try {
    fs.writeFileSync(onlineFile(cpu), '0');
    return await whileOffline();
  } finally {
    online.run();
  }
}

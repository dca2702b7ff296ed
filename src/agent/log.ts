/**
 * The agent's structured log: one JSON object per line on stderr, the
 * shape pino writes (level, time, msg, then fields), with bigints as
 * decimal strings and errors as their message and code. It satisfies the
 * notifiers' Logger, so the dispatcher logs through it too.
 */
import type { Writable } from 'node:stream';
import type { LogLevel } from '../config/config';
import type { Logger } from '../notifiers/notifier';

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface AgentLog extends Logger {
  debug(fields: Record<string, unknown>, message: string): void;
}

export function jsonLog(level: LogLevel, out: Writable = process.stderr, now: () => number = Date.now): AgentLog {
  const threshold = LOG_LEVELS.indexOf(level);
  const line =
    (l: LogLevel) =>
    (fields: Record<string, unknown>, msg: string): void => {
      if (LOG_LEVELS.indexOf(l) < threshold) return;
      out.write(`${JSON.stringify({ level: l, time: new Date(now()).toISOString(), msg, ...fields }, jsonValue)}\n`);
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code === undefined ? { message: value.message } : { message: value.message, code };
  }
  return value;
}

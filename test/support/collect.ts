/** Waiting, with a deadline, for the first event that matches what a test knows. */
import { eventToJson, type KernelEvent } from '../../src/events/event';
import type { EventStream } from './event_stream';

export interface EventMatch {
  /** catalog name of the event */
  readonly name: string;
  /** what else must hold; all events of `name` match without it */
  readonly where?: (e: KernelEvent) => boolean;
  /** says what is awaited, for the timeout message */
  readonly describe?: string;
}

const SHOWN_ON_TIMEOUT = 8;

const matches = (m: EventMatch, e: KernelEvent): boolean => e.name === m.name && (m.where?.(e) ?? true);

/**
 * Resolves with the first event matching `m`, already delivered or still to
 * come; rejects after `timeoutMs` with what was seen of that event instead.
 */
export function collect(stream: EventStream, m: EventMatch, timeoutMs: number): Promise<KernelEvent> {
  const earlier = stream.events().find((e) => matches(m, e));
  if (earlier) return Promise.resolve(earlier);
  return new Promise((resolve, reject) => {
    const unsubscribe = stream.subscribe((e) => {
      if (!matches(m, e)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(e);
    });
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(timeoutMessage(stream, m, timeoutMs)));
    }, timeoutMs);
  });
}

/** Every event matching `m` delivered so far. */
export function collected(stream: EventStream, m: EventMatch): KernelEvent[] {
  return stream.events().filter((e) => matches(m, e));
}

function timeoutMessage(stream: EventStream, m: EventMatch, timeoutMs: number): string {
  const same = stream.events().filter((e) => e.name === m.name);
  const shown = same.slice(-SHOWN_ON_TIMEOUT).map((e) => `  ${JSON.stringify(eventToJson(e))}`);
  const seen = [...stream.delivered].map(([name, n]) => `${name}=${n}`).join(' ') || 'nothing';
  return [
    `no ${m.name} event${m.describe ? ` ${m.describe}` : ''} within ${timeoutMs} ms`,
    `delivered: ${seen}`,
    same.length > 0 ? `last ${shown.length} of ${same.length} ${m.name} events:` : `no ${m.name} event at all`,
    ...shown,
  ].join('\n');
}

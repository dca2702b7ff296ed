/**
 * The frame of every live test: a stream of `events` for the test body,
 * closed after it; the kernel's counters are checked only when the body
 * passed, so a counter complaint never hides the body's own failure.
 */
import { assertNothingLost } from './counters';
import { EventStream } from './event_stream';

export async function withEvents<T>(events: readonly string[], body: (stream: EventStream) => Promise<T>): Promise<T> {
  const stream = EventStream.open(events);
  let value: T;
  try {
    value = await body(stream);
  } catch (e) {
    await stream.close().catch(() => undefined);
    throw e;
  }
  assertNothingLost(await stream.close(), events);
  return value;
}

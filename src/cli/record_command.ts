/**
 * `kernwatch record [EVENT...] --duration S -o events.jsonl`: captures live
 * events as JSON lines, the input of `rules test --replay`.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { expandEventPatterns, streamEvents } from './tail_command';
import { parseDuration, UsageError } from './usage_error';

const USAGE = 'usage: kernwatch record [EVENT...] --duration S -o FILE';

export async function recordCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { duration: { type: 'string' }, output: { type: 'string', short: 'o' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.output === undefined) throw new UsageError(`record: -o FILE is required\n${USAGE}`);
  if (values.duration === undefined) throw new UsageError(`record: --duration is required\n${USAGE}`);
  const durationMs = parseDuration(values.duration, '--duration');
  const events = expandEventPatterns(positionals);
  let file: fs.WriteStream;
  try {
    fs.writeFileSync(values.output, '', { flag: 'w' });
    file = fs.createWriteStream(values.output, { flags: 'a' });
  } catch (e) {
    throw new UsageError(`record: cannot write ${values.output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return await streamEvents(events, durationMs, file, true);
  } finally {
    await new Promise<void>((resolve) => file.end(() => resolve()));
  }
}

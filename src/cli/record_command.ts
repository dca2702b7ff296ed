/**
 * `kernwatch record [EVENT...] --duration S -o events.jsonl`: captures live
 * events as JSON lines, the input of `rules test --replay`.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { expandEventPatterns, streamEvents } from './tail_command';
import { parseDuration, UsageError } from './usage_error';
import { describeErrno } from '../config/text_file';

export async function recordCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { duration: { type: 'string' }, output: { type: 'string', short: 'o' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.output === undefined) throw new UsageError('record: -o FILE is required');
  if (values.duration === undefined) throw new UsageError('record: --duration is required');
  const durationMs = parseDuration(values.duration, '--duration');
  const events = expandEventPatterns(positionals);
  let file: fs.WriteStream;
  try {
    fs.writeFileSync(values.output, '', { flag: 'w' });
    file = fs.createWriteStream(values.output, { flags: 'a' });
  } catch (e) {
    process.stderr.write(
      `kernwatch: ${values.output}: cannot write the recording: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : describeErrno(e)}\n`,
    );
    return 1;
  }
  try {
    return await streamEvents(events, durationMs, file, true, true);
  } finally {
    await new Promise<void>((resolve) => file.end(() => resolve()));
  }
}

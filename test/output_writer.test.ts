import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { OutputWriter } from '../src/cli/output_writer';

/** A reader that takes one chunk, then nothing until released. */
function slowReader(): { stream: Writable; written: () => string; release: () => void } {
  let text = '';
  let held: (() => void)[] = [];
  let open = false;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, callback) {
      text += chunk.toString();
      if (open) callback();
      else held.push(callback);
    },
  });
  return {
    stream,
    written: () => text,
    release: () => {
      open = true;
      for (const cb of held) cb();
      held = [];
    },
  };
}

test('a reader slower than the events: waiting lines are bounded, the rest dropped and counted, the kept ones all written in order', async () => {
  const reader = slowReader();
  const out = new OutputWriter(reader.stream);
  for (let i = 0; i < 250_000; i++) out.write(`line ${i}`);
  await new Promise((r) => setImmediate(r));
  assert.equal(out.dropped, 150_000, 'past 100,000 waiting lines, new ones are dropped');
  const flushed = out.flush();
  reader.release();
  await flushed;
  const lines = reader.written().trimEnd().split('\n');
  assert.equal(lines.length, 100_000);
  assert.equal(lines[0], 'line 0');
  assert.equal(lines.at(-1), 'line 99999');
});

test('a slow reader during a flood of high-rate lines still gets every rare line, and the drops are counted per event', async () => {
  const reader = slowReader();
  const out = new OutputWriter(reader.stream);
  const fork = { name: 'process.fork', rare: false };
  const oom = { name: 'oom.victim', rare: true };
  for (let i = 0; i < 250_000; i++) {
    out.write(`fork ${i}`, fork);
    if (i % 30_000 === 29_999) out.write(`oom ${i}`, oom);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(out.droppedByKind.get('oom.victim'), undefined, 'no rare line dropped');
  assert.ok((out.droppedByKind.get('process.fork') ?? 0) > 100_000, `forks dropped: ${out.droppedByKind.get('process.fork')}`);
  assert.equal(out.dropped, out.droppedByKind.get('process.fork'));
  const flushed = out.flush();
  reader.release();
  await flushed;
  const ooms = reader
    .written()
    .split('\n')
    .filter((l) => l.startsWith('oom'));
  assert.equal(ooms.length, 8, 'all 8 OOM lines were written');
});

test('a reader that keeps up loses nothing, however many lines a batch brings', async () => {
  const reader = slowReader();
  reader.release();
  const out = new OutputWriter(reader.stream);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 60_000; i++) out.write(`${round}:${i}`);
    await new Promise((r) => setImmediate(r));
  }
  await out.flush();
  assert.equal(out.dropped, 0);
  assert.equal(reader.written().trimEnd().split('\n').length, 180_000);
});

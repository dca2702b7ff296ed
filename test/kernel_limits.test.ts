/** The limits TypeScript uses are the ones bpf/kernwatch.h defines, read from the header's text (no build needed). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LIMITS } from '../src/kernel/limits';

const HEADER = path.resolve(__dirname, '..', '..', 'bpf', 'kernwatch.h');

test('every limit is the #define (or, for KW_KIND_MAX, the enum value) of bpf/kernwatch.h', () => {
  const header = fs.readFileSync(HEADER, 'utf8');
  const defined = new Map([...header.matchAll(/^#define (KW_[A-Z_]+) (\d+)\b/gm)].map((m) => [m[1] ?? '', Number(m[2])]));
  const kindMax = /^\s*KW_KIND_MAX = (\d+),/m.exec(header)?.[1];
  for (const [name, value] of Object.entries(LIMITS)) {
    assert.equal(value, name === 'KW_KIND_MAX' ? Number(kindMax) : defined.get(name), name);
  }
  const declared = new Set(Object.keys(LIMITS));
  const numeric = [...defined.keys()].filter((n) => /^KW_(MAX_|[A-Z]+_LEN$|GENERATIONS$)/.test(n));
  assert.deepEqual(
    numeric.filter((n) => !declared.has(n)),
    [],
    'every size and maximum of the header is known here',
  );
});

/** Comm patterns compare bytes as the kernel does: prefix from byte 0, suffix ending at the comm's last byte. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commMatches, commPatternOf, patternBytes } from '../src/kernel/comm_patterns';

test('globs with one star at an end are patterns; the rest are not', () => {
  assert.deepEqual(commPatternOf('build*'), { match: 'prefix', text: 'build', never: false });
  assert.deepEqual(commPatternOf('*-worker'), { match: 'suffix', text: '-worker', never: false });
  assert.deepEqual(commPatternOf('*a-name-longer-than-15'), { match: 'suffix', text: 'a-name-longer-than-15', never: true });
  for (const glob of ['a*b', '*mid*', 'b?ild*', '*', 'plain']) assert.equal(commPatternOf(glob), undefined, glob);
});

test('a suffix is placed at the end of the 16 bytes, a prefix at the start, with a mask under each literal byte', () => {
  const suffix = patternBytes({ match: 'suffix', text: '-wkr' });
  assert.equal(suffix.text.toString('latin1'), `${'\0'.repeat(12)}-wkr`);
  assert.deepEqual([...suffix.mask], [...Array<number>(12).fill(0), 255, 255, 255, 255]);
  const prefix = patternBytes({ match: 'prefix', text: 'ab' });
  assert.deepEqual([...prefix.mask.subarray(0, 3)], [255, 255, 0]);
});

test('matching follows the comm as the kernel holds it: at most 15 bytes', () => {
  const suffix = { match: 'suffix', text: '-wkr' } as const;
  assert.equal(commMatches(suffix, 'build-wkr'), true);
  assert.equal(commMatches(suffix, 'abcdefghijk-wkr'), true, '15 bytes');
  assert.equal(commMatches(suffix, 'wkr'), false, 'shorter than the suffix');
  assert.equal(commMatches(suffix, 'abcdefghijkl-wkr'), false, 'the kernel keeps 15 bytes: "abcdefghijkl-wk"');
  assert.equal(commMatches({ match: 'prefix', text: 'kw-pre' }, 'kw-pr'), false);
  assert.equal(commMatches({ match: 'prefix', text: 'kw-pre' }, 'kw-pre'), true);
  assert.equal(commMatches({ match: 'prefix', text: 'ünï' }, 'ünïcode'), true, 'UTF-8 bytes');
});

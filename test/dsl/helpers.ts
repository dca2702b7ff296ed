/** Paths and small helpers shared by the rule-language tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceRange } from '../../src/dsl';

/** Tests run from dist/test/dsl; their data stays in the source tree. */
export const REPO = path.resolve(__dirname, '../../..');
export const TEST_DIR = path.join(REPO, 'test/dsl');
export const RULES_DIR = path.join(REPO, 'rules');

export function ruleFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The AST with ranges dropped: what must survive formatting unchanged. */
export function withoutRanges(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'range' ? undefined : typeof v === 'bigint' ? `${v}n` : v)));
}

/** The AST with ranges as "line:col-line:col", compact enough to read in a golden file. */
export function withCompactRanges(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (k, v: unknown) => {
      if (k === 'range') {
        const r = v as SourceRange;
        return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
      }
      return typeof v === 'bigint' ? `${v}n` : v;
    }),
  );
}

/**
 * Compares `actual` with the golden file; UPDATE_GOLDEN=1 rewrites it.
 * Returns undefined when equal, else a message with a line diff.
 */
export function golden(file: string, actual: string): string | undefined {
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.writeFileSync(file, actual);
    return undefined;
  }
  const expected = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (expected === actual) return undefined;
  const a = expected.split('\n');
  const b = actual.split('\n');
  const lines: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && lines.length < 40; i++) {
    if (a[i] !== b[i]) lines.push(`line ${i + 1}:\n  - ${a[i] ?? '(none)'}\n  + ${b[i] ?? '(none)'}`);
  }
  return `${path.relative(REPO, file)} differs (UPDATE_GOLDEN=1 to accept):\n${lines.join('\n')}`;
}

/** mulberry32: a small seeded PRNG, so a failing random test replays. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Indented code blocks that are rules (not usage lines, placeholders or the grammar). */
export function docExamples(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  for (const line of [...markdown.split('\n'), 'end']) {
    if (line.startsWith('    ') || (line === '' && current.length)) current.push(line.slice(4));
    else if (current.length) {
      blocks.push(current.join('\n').trim());
      current = [];
    }
  }
  // a syntax summary and its examples can share a block: keep the example paragraphs
  const isExample = (p: string): boolean => /^(when|rule|let|#)\b/.test(p) && !/\.\.\.|[A-Z]{4,}|^\s*\^/m.test(p);
  return blocks
    .map((b) =>
      b
        .split(/\n\n+/)
        .map((p) => (p.startsWith('then ') ? `when oom.victim ${p}` : p))
        .filter(isExample)
        .join('\n\n'),
    )
    .filter((b) => b !== '');
}

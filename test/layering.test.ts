/**
 * Data flows one way (README, "What is here"): bpf/ -> native/ ->
 * src/kernel/ -> src/events/ -> src/engine/ -> src/notifiers/, with the
 * live runtime above engine and kernel, and the language, config, agent,
 * language server and CLI on top. A file importing from a folder it must not know fails here.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/** folder -> the folders it must not import from */
const MUST_NOT_IMPORT: Record<string, readonly string[]> = {
  kernel: ['events', 'engine', 'live', 'notifiers', 'dsl', 'config', 'agent', 'lsp', 'cli'],
  events: ['engine', 'live', 'notifiers', 'dsl', 'config', 'agent', 'lsp', 'cli'],
  dsl: ['kernel', 'engine', 'live', 'notifiers', 'config', 'agent', 'lsp', 'cli'],
  engine: ['live', 'notifiers', 'config', 'agent', 'lsp', 'cli'],
  notifiers: ['live', 'agent', 'lsp', 'cli'],
  config: ['live', 'agent', 'lsp', 'cli'],
  live: ['agent', 'lsp', 'cli'],
  agent: ['lsp', 'cli'],
  // the language server sits beside the CLI: the language, the catalog and the config, nothing that runs rules
  lsp: ['kernel', 'engine', 'live', 'notifiers', 'agent', 'cli'],
};

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('no file imports from a folder above its own', () => {
  const upward: string[] = [];
  for (const file of sources(SRC)) {
    const folder = path.relative(SRC, file).split(path.sep)[0] ?? '';
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from '(\.\.?\/[^']+)'/g)) {
      const target = path.relative(SRC, path.resolve(path.dirname(file), m[1] ?? '')).split(path.sep)[0] ?? '';
      if (MUST_NOT_IMPORT[folder]?.includes(target)) upward.push(`${path.relative(SRC, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('nothing outside src/dsl/ imports its files but through src/dsl/index.ts', () => {
  const bypass = sources(SRC)
    .filter((f) => !f.includes(`${path.sep}dsl${path.sep}`))
    .flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/from '(\.\.\/dsl\/[^']+)'/g)].map((m) => `${path.relative(SRC, f)} imports ${m[1]}`));
  assert.deepEqual(bypass, []);
});

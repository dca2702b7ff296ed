/**
 * The VS Code extension as VS Code reads it: the files its manifest names
 * exist and parse, its language configuration's word pattern takes dotted
 * event names whole (so that completion replaces `oom.vi` entirely), and
 * its client starts the server the way `kernwatch lsp` expects.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../dsl/helpers';

const EXTENSION = path.join(REPO, 'editors', 'vscode');

interface Manifest {
  main: string;
  engines: { vscode: string };
  dependencies: Record<string, string>;
  contributes: {
    languages: Array<{ id: string; configuration: string }>;
    grammars: Array<{ language: string; path: string }>;
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION, 'package.json'), 'utf8')) as Manifest;

test('every file the manifest names exists and parses', () => {
  assert.ok(fs.existsSync(path.join(EXTENSION, manifest.main)), manifest.main);
  for (const l of manifest.contributes.languages) JSON.parse(fs.readFileSync(path.join(EXTENSION, l.configuration), 'utf8'));
  for (const g of manifest.contributes.grammars) JSON.parse(fs.readFileSync(path.join(EXTENSION, g.path), 'utf8'));
  assert.ok(manifest.dependencies['vscode-languageclient'], 'the client library is a dependency of the extension');
});

test('the word pattern takes event names, fields and numbers with units whole', () => {
  const config = JSON.parse(fs.readFileSync(path.join(EXTENSION, 'language-configuration.json'), 'utf8')) as { wordPattern: string };
  const word = new RegExp(config.wordPattern, 'g');
  assert.deepEqual('when migrate.pages.failed > 64MiB and anon_rss'.match(word), ['when', 'migrate.pages.failed', '64MiB', 'and', 'anon_rss']);
});

test('the client runs `kernwatch lsp` over stdio for the kernwatch language', () => {
  const client = fs.readFileSync(path.join(EXTENSION, manifest.main), 'utf8');
  assert.match(client, /args: \['lsp'\], transport: TransportKind\.stdio/);
  assert.match(client, /language: 'kernwatch'/);
  assert.equal(manifest.contributes.languages[0]?.id, 'kernwatch');
});

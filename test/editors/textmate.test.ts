/**
 * The VS Code extension's TextMate grammar, run by a real TextMate engine
 * (vscode-textmate with the Oniguruma regex library, as VS Code runs it) over
 * every rule file in rules/ and every example in docs/rules.md: every
 * character that is not white space gets a scope of its own, and none is
 * marked illegal.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { docExamples, REPO, RULES_DIR, ruleFilesIn, TEST_DIR } from '../dsl/helpers';

const EXTENSION = path.join(REPO, 'editors', 'vscode');
const ROOT_SCOPE = 'source.kernwatch';

interface Token {
  readonly text: string;
  readonly scopes: readonly string[];
}

let grammar: textmate.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  // the grammar the extension declares, found the way VS Code finds it
  const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION, 'package.json'), 'utf8')) as {
    contributes: { grammars: Array<{ scopeName: string; path: string; language: string }>; languages: Array<{ id: string; extensions: string[] }> };
  };
  const declared = manifest.contributes.grammars.find((g) => g.scopeName === ROOT_SCOPE);
  assert.ok(declared, 'package.json declares the grammar');
  assert.deepEqual(manifest.contributes.languages.find((l) => l.id === declared.language)?.extensions, ['.rules']);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s) => new oniguruma.OnigScanner(s), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: (scope) => {
      if (scope !== ROOT_SCOPE) return Promise.resolve(null);
      const file = path.join(EXTENSION, declared.path);
      return Promise.resolve(textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file));
    },
  });
  const loaded = await registry.loadGrammar(ROOT_SCOPE);
  assert.ok(loaded);
  grammar = loaded;
});

function tokenize(text: string): Token[][] {
  let stack = textmate.INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** `file:line: 'text'` for every token that is not white space and has no scope but the root, or an illegal one. */
function problems(name: string, text: string): string[] {
  return tokenize(text).flatMap((tokens, i) =>
    tokens
      .filter((t) => t.text.trim() !== '' && (t.scopes.length < 2 || t.scopes.some((s) => s.startsWith('invalid'))))
      .map((t) => `${name}:${i + 1}: '${t.text}' ${t.scopes.join(' ')}`),
  );
}

test('every token of every file in rules/ and the language corpus is scoped, none illegal', () => {
  const files = [...ruleFilesIn(RULES_DIR), ...ruleFilesIn(path.join(TEST_DIR, 'corpus'))];
  assert.ok(files.length >= 10);
  assert.deepEqual(
    files.flatMap((f) => problems(path.basename(f), fs.readFileSync(f, 'utf8'))),
    [],
  );
});

test('every token of every example in docs/rules.md is scoped, none illegal', () => {
  const examples = docExamples(fs.readFileSync(path.join(REPO, 'docs', 'rules.md'), 'utf8'));
  assert.ok(examples.length >= 8);
  assert.deepEqual(
    examples.flatMap((e, i) => problems(`example ${i}`, e)),
    [],
  );
});

test('names, numbers with units, strings with template fields and comments get the scopes themes colour', () => {
  const [line] = tokenize('rule "x" { when sum(migrate.pages.failed) > 64MiB within 1m by cgroup summary "{cgroup}: {{}}" then oncall("#a") } # why');
  const scopeOf = (text: string): string =>
    line
      ?.find((t) => t.text === text)
      ?.scopes.slice(1)
      .join(' ') ?? `no token '${text}'`;
  assert.equal(scopeOf('rule'), 'keyword.control.rule.kernwatch');
  assert.equal(scopeOf('"x"'), 'entity.name.function.rule.kernwatch');
  assert.equal(scopeOf('sum'), 'support.function.aggregate.kernwatch');
  assert.equal(scopeOf('migrate.pages.failed'), 'entity.name.type.event.kernwatch');
  assert.equal(scopeOf('64'), 'constant.numeric.kernwatch');
  assert.equal(scopeOf('MiB'), 'keyword.other.unit.kernwatch');
  assert.equal(scopeOf('cgroup'), 'variable.other.kernwatch');
  assert.equal(scopeOf('oncall'), 'entity.name.function.notifier.kernwatch');
  assert.equal(scopeOf('# why'), 'comment.line.number-sign.kernwatch');
  assert.match(line?.find((t) => t.text === 'cgroup' && t.scopes.some((s) => s.startsWith('string')))?.scopes.join(' ') ?? '', /variable\.other\.template/);
});

test('a character the language does not have is marked illegal, so the checks above can fail', () => {
  assert.deepEqual(
    problems('bad', 'when oom.victim and pid > 1 $ then stdout').map((p) => p.split(' ')[1]),
    ["'$'"],
  );
});

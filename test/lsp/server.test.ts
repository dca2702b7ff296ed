/**
 * `kernwatch lsp` spoken to over stdio, as an editor does: diagnostics as
 * text changes (across files and against a config's notifiers), completion,
 * hover, definition, references, formatting and quick fixes, with the
 * positions and texts asserted.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { formatRuleSource } from '../../src/dsl';
import { positionOf, TestClient, uri, type LspRange } from './client';

interface CompletionItem {
  label: string;
  detail?: string;
  textEdit?: { range: LspRange; newText: string };
}
interface Hover {
  contents: { kind: string; value: string };
  range: LspRange;
}
interface Location {
  uri: string;
  range: LspRange;
}

let dir: string;
let client: TestClient;

const CONFIG = `notifiers:
  oncall:
    type: webhook
    url: http://127.0.0.1:9/hook
    secret: not-a-real-secret
rules: [rules]
`;
const LIB = 'let prod = cgroup matches "/prod/**"\nlet batch = ["backup", "pg_dump"]\n';
const OOM = `rule "prod-oom" {
  when oom.victim and prod except comm in batch
  then oncall
}
`;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-lsp-'));
  fs.mkdirSync(path.join(dir, 'rules'));
  fs.writeFileSync(path.join(dir, 'kernwatch.yaml'), CONFIG);
  fs.writeFileSync(path.join(dir, 'rules', 'lib.rules'), LIB);
  fs.writeFileSync(path.join(dir, 'rules', 'oom.rules'), OOM);
  client = new TestClient();
  await client.initialize(dir);
});

after(async () => {
  const code = await client.close();
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, `exit after shutdown is status 0 (stderr: ${client.stderr})`);
});

const file = (name: string): string => path.join(dir, 'rules', name);

test('initialize announces what the server does', async () => {
  const other = new TestClient();
  try {
    const { capabilities } = await other.initialize(dir);
    for (const c of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'documentFormattingProvider', 'completionProvider', 'codeActionProvider']) {
      assert.ok(capabilities[c], c);
    }
  } finally {
    await other.close();
  }
});

test('a file that uses lets from another file of its rule set checks clean; a typo is located and suggested', async () => {
  const clean = await client.open(file('oom.rules'), OOM);
  assert.deepEqual(clean.diagnostics, [], 'prod and batch come from lib.rules, oncall from kernwatch.yaml');
  const typo = OOM.replace('oom.victim and prod', 'oom.victim and anon_rs > 1GiB and prod');
  const published = await client.change(file('oom.rules'), 2, typo);
  assert.equal(published.diagnostics.length, 1);
  const d = published.diagnostics[0]!;
  assert.equal(d.message, "unknown field 'anon_rs' on oom.victim (did you mean 'anon_rss'?)");
  assert.deepEqual(d.range, { start: positionOf(typo, 'anon_rs'), end: positionOf(typo, 'anon_rs', 7) });
  assert.equal(d.severity, 1);
  assert.equal(d.source, 'kernwatch');
  const fixed = await client.change(file('oom.rules'), 3, OOM);
  assert.deepEqual(fixed.diagnostics, [], 'fixing it clears the diagnostic');
});

test('notifiers are checked against the kernwatch.yaml above the file, and the quick fix replaces the name', async () => {
  const text = OOM.replace('then oncall', 'then oncal');
  const published = await client.change(file('oom.rules'), 4, text);
  const d = published.diagnostics[0]!;
  assert.match(d.message, /unknown notifier 'oncal' \(did you mean 'oncall'\?\)/);
  const actions = await client.request<Array<{ title: string; edit: { changes: Record<string, Array<{ range: LspRange; newText: string }>> } }>>(
    'textDocument/codeAction',
    { textDocument: { uri: uri(file('oom.rules')) }, range: d.range, context: { diagnostics: [d] } },
  );
  assert.equal(actions.length, 1);
  assert.equal(actions[0]?.title, "Change to 'oncall'");
  assert.deepEqual(actions[0]?.edit.changes[uri(file('oom.rules'))], [{ range: d.range, newText: 'oncall' }]);
  await client.change(file('oom.rules'), 5, OOM);
});

test('changing a let in one file re-checks the files that use it', async () => {
  const oomUri = uri(file('oom.rules'));
  const broken = client.nextDiagnostics(oomUri);
  await client.open(file('lib.rules'), LIB.replace('let prod', 'let production'));
  const d = (await broken).diagnostics.map((x) => x.message);
  const mended = client.nextDiagnostics(oomUri);
  await client.change(file('lib.rules'), 2, LIB);
  assert.deepEqual(d, ["unknown field or let 'prod' on oom.victim"]);
  assert.deepEqual((await mended).diagnostics, []);
});

test('completion offers events after when, the fields of the event in scope with their type, lets, enum values and notifiers', async () => {
  const complete = async (text: string, needle: string, delta: number): Promise<CompletionItem[]> => {
    await client.change(file('oom.rules'), 10 + text.length, text);
    return client.request<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri: uri(file('oom.rules')) },
      position: positionOf(text, needle, delta),
    });
  };
  const events = await complete('when oom.\n', 'oom.', 4);
  assert.ok(events.some((i) => i.label === 'oom.victim'));
  assert.deepEqual(
    events.find((i) => i.label === 'oom.victim')?.textEdit?.range,
    { start: { line: 0, character: 5 }, end: { line: 0, character: 9 } },
    'replaces oom. whole',
  );
  const fields = await complete('when oom.victim and an\n', ' an', 3);
  const rss = fields.find((i) => i.label === 'anon_rss');
  assert.match(rss?.detail ?? '', /number \(a size, written like 64MiB\)/);
  assert.ok(
    fields.some((i) => i.label === 'prod'),
    'lets of the rule set',
  );
  assert.ok(!fields.some((i) => i.label === 'child_comm'), 'not the fields of another event');
  const values = await complete('when migrate.pages and reason == \n', '== ', 3);
  assert.ok(values.some((i) => i.label === 'compaction'));
  const notifiers = await complete('when oom.victim then \n', 'then ', 5);
  assert.deepEqual(notifiers.map((i) => i.label).sort(), ['oncall', 'stdout']);
  const aggregated = await complete('when sum(migrate.pages.f\n', 'pages.f', 7);
  assert.ok(aggregated.some((i) => i.label === 'migrate.pages.failed'));
  await client.change(file('oom.rules'), 100, OOM);
});

test('hover shows an event from the catalog, a field with its unit, and a let with its definition', async () => {
  const text = 'when oom.victim and anon_rss > 1GiB and prod then oncall\n';
  await client.change(file('oom.rules'), 200, text);
  const hover = (needle: string): Promise<Hover> =>
    client.request<Hover>('textDocument/hover', { textDocument: { uri: uri(file('oom.rules')) }, position: positionOf(text, needle, 1) });
  const event = await hover('oom.victim');
  assert.match(event.contents.value, /\*\*oom\.victim\*\* \(tracepoint `oom\/mark_victim`\)/);
  assert.deepEqual(event.range, { start: positionOf(text, 'oom.victim'), end: positionOf(text, 'oom.victim', 10) });
  assert.match((await hover('anon_rss')).contents.value, /\*\*anon_rss\*\* on oom\.victim: number \(a size/);
  const let_ = await hover(' prod');
  assert.match(let_.contents.value, /let prod = cgroup matches "\/prod\/\*\*"/);
  assert.match(let_.contents.value, /lib\.rules:1/);
  await client.change(file('oom.rules'), 201, OOM);
});

test('go to definition and find references follow a let across files', async () => {
  const at = positionOf(OOM, 'and prod', 5);
  const def = await client.request<Location>('textDocument/definition', { textDocument: { uri: uri(file('oom.rules')) }, position: at });
  assert.deepEqual(def, { uri: uri(file('lib.rules')), range: { start: { line: 0, character: 4 }, end: { line: 0, character: 8 } } });
  const refs = await client.request<Location[]>('textDocument/references', {
    textDocument: { uri: uri(file('oom.rules')) },
    position: at,
    context: { includeDeclaration: true },
  });
  assert.deepEqual(
    refs.map((r) => [path.basename(new URL(r.uri).pathname), r.range.start.line, r.range.start.character]),
    [
      ['lib.rules', 0, 4],
      ['oom.rules', 1, 22],
    ],
  );
});

test('formatting gives the text rules fmt writes; a file that does not parse is left alone', async () => {
  const messy = 'rule "x" {   when oom.victim\n then    stdout }\n';
  await client.change(file('oom.rules'), 300, messy);
  const edits = await client.request<Array<{ range: LspRange; newText: string }>>('textDocument/formatting', {
    textDocument: { uri: uri(file('oom.rules')) },
    options: { tabSize: 2, insertSpaces: true },
  });
  assert.equal(edits.length, 1);
  assert.equal(edits[0]?.newText, formatRuleSource('x.rules', messy).output);
  await client.change(file('oom.rules'), 301, 'rule "x" { when oom.victim then');
  const none = await client.request<unknown[]>('textDocument/formatting', {
    textDocument: { uri: uri(file('oom.rules')) },
    options: { tabSize: 2, insertSpaces: true },
  });
  assert.deepEqual(none, []);
  await client.change(file('oom.rules'), 302, OOM);
});

test('positions count UTF-16 code units, as LSP does: a name after an emoji is still underlined exactly', async () => {
  const text = 'when oom.victim and comm == "😀é" and anon_rs > 1GiB then oncall\n';
  const published = await client.change(file('oom.rules'), 400, text);
  assert.deepEqual(published.diagnostics[0]?.range.start, { line: 0, character: text.indexOf('anon_rs') });
  await client.change(file('oom.rules'), 401, OOM);
});

test('a kernwatch.yaml that does not load is said in the log, and rules are still checked without its notifiers', async () => {
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-lsp-broken-'));
  const other = new TestClient();
  try {
    fs.writeFileSync(path.join(broken, 'kernwatch.yaml'), 'notifiers: [oops\n');
    const logged = new Promise<string>((resolve) => other.connection.onNotification('window/logMessage', (p: { message: string }) => resolve(p.message)));
    await other.initialize(broken);
    const published = await other.open(path.join(broken, 'a.rules'), 'when oom.victim and anon_rs > 1GiB then anything\n');
    assert.deepEqual(
      published.diagnostics.map((d) => d.message),
      ["unknown field 'anon_rs' on oom.victim (did you mean 'anon_rss'?)"],
    );
    assert.match(await logged, /kernwatch\.yaml:\d+:\d+: .*\(rules are checked without its notifiers\)/);
  } finally {
    assert.equal(await other.close(), 0);
    fs.rmSync(broken, { recursive: true, force: true });
  }
});

test('a notifier added to kernwatch.yaml on disk is known at the next edit', async () => {
  const text = OOM.replace('then oncall', 'then pager');
  const before = await client.change(file('oom.rules'), 500, text);
  assert.match(before.diagnostics[0]?.message ?? '', /unknown notifier 'pager'/);
  fs.writeFileSync(
    path.join(dir, 'kernwatch.yaml'),
    CONFIG.replace('rules: [rules]', '  pager:\n    type: webhook\n    url: http://127.0.0.1:9/pager\n    secret: x\nrules: [rules]'),
  );
  try {
    const after = await client.change(file('oom.rules'), 501, `${text}\n`);
    assert.deepEqual(after.diagnostics, []);
  } finally {
    fs.writeFileSync(path.join(dir, 'kernwatch.yaml'), CONFIG);
    await client.change(file('oom.rules'), 502, OOM);
  }
});

test('closing a file that is not on disk clears its diagnostics', async () => {
  const scratch = file('scratch.rules');
  const opened = await client.open(scratch, 'when oom.victim and nope then stdout\n');
  assert.equal(opened.diagnostics.length, 1);
  const cleared = client.nextDiagnostics(uri(scratch));
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uri(scratch) } });
  assert.deepEqual((await cleared).diagnostics, []);
});

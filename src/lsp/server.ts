/**
 * `kernwatch lsp`: the language server for .rules files, over stdio. One
 * Workspace of rule sets; every edit re-checks incrementally and publishes
 * the diagnostics of each file whose diagnostics changed, the edited file's
 * first. Positions are LSP's default UTF-16 ones (positions.ts).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type Diagnostic as LspDiagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { formatRuleSource, suggestionIn, type Diagnostic } from '../dsl';
import { completionsAt } from './completion';
import { hoverAt } from './hover';
import { definitionAt, referencesAt } from './navigation';
import { LineTable } from './positions';
import { Workspace, type RuleSet } from './workspace';

const SOURCE = 'kernwatch';

export function fileOf(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

export function uriOf(file: string): string {
  return file.startsWith('/') ? pathToFileURL(file).href : file;
}

/** Serves until the client sends `exit` or the stream ends; resolves with the exit status LSP asks for. */
export function serveLanguage(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<number> {
  const connection = createConnection(input, output);
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace();
  /** per file: the diagnostics last sent, and the text their offsets counted in */
  const published = new Map<string, { readonly key: string; readonly text: string }>();
  const warned = new Set<string>();
  let shutdown = false;

  const linesOf = (uri: string): { file: string; lines: LineTable; set: RuleSet } | undefined => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const file = fileOf(uri);
    return { file, lines: new LineTable(doc.getText()), set: workspace.setOf(file) };
  };

  const publish = (set: RuleSet, first: string): void => {
    const byFile = Workspace.diagnosticsByFile(set, set.checker.check());
    const order = [first, ...[...byFile.keys()].filter((f) => f !== first)];
    for (const file of order) {
      const diagnostics = byFile.get(file) ?? [];
      const text = workspace.text(file);
      if (text === undefined) continue;
      const key = JSON.stringify(diagnostics.map((d) => [d.range.start.offset, d.range.end.offset, d.severity, d.message]));
      const last = published.get(file);
      // the edited file always hears back; the others when their diagnostics or text changed (a git pull moves lines)
      if (file !== first && last?.key === key && last.text === text) continue;
      published.set(file, { key, text });
      const lines = new LineTable(text);
      void connection.sendDiagnostics({ uri: uriOf(file), diagnostics: diagnostics.map((d) => toLsp(d, lines)) });
    }
  };

  connection.onInitialize((): InitializeResult => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: ['.'] },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentFormattingProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: 'kernwatch' },
  }));

  documents.onDidChangeContent(({ document }) => {
    const file = fileOf(document.uri);
    const set = workspace.edit(file, document.getText());
    // each problem once, not at every keystroke
    if (set.configProblem && !warned.has(set.configProblem)) {
      warned.add(set.configProblem);
      connection.console.warn(`${set.configProblem} (rules are checked without its notifiers)`);
    }
    publish(set, file);
  });
  documents.onDidClose(({ document }) => {
    const file = fileOf(document.uri);
    const set = workspace.close(file);
    if (set) publish(set, file);
    // an unsaved file closed is gone from its set: its diagnostics go with it
    if (!set?.checker.fileNames().includes(file)) {
      published.delete(file);
      void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    }
  });

  connection.onCompletion(({ textDocument, position }) => {
    const at = linesOf(textDocument.uri);
    return at ? completionsAt(at.lines, at.lines.offset(position), at.set) : [];
  });
  connection.onHover(({ textDocument, position }) => {
    const at = linesOf(textDocument.uri);
    return at ? (hoverAt(at.file, at.lines, at.lines.offset(position), at.set, workspace) ?? null) : null;
  });
  connection.onDefinition(({ textDocument, position }) => {
    const at = linesOf(textDocument.uri);
    return at ? (definitionAt(at.file, at.lines.offset(position), at.set, workspace, uriOf) ?? null) : null;
  });
  connection.onReferences(({ textDocument, position, context }) => {
    const at = linesOf(textDocument.uri);
    return at ? referencesAt(at.file, at.lines.offset(position), at.set, workspace, uriOf, context.includeDeclaration) : [];
  });
  connection.onDocumentFormatting(({ textDocument }) => {
    const at = linesOf(textDocument.uri);
    if (!at) return [];
    // a file that does not parse is left alone: fmt never guesses
    const { output } = formatRuleSource(at.file, at.lines.text);
    if (output === undefined || output === at.lines.text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: at.lines.position(at.lines.text.length) }, newText: output }];
  });
  connection.onCodeAction(({ textDocument, context }) => {
    const at = linesOf(textDocument.uri);
    if (!at) return [];
    const actions: CodeAction[] = [];
    for (const d of context.diagnostics) {
      const suggestion = suggestionIn(d.message);
      const written = at.lines.text.slice(at.lines.offset(d.range.start), at.lines.offset(d.range.end));
      // only where the range is the misspelt name itself
      if (!suggestion || !d.message.includes(`'${written}'`)) continue;
      actions.push({
        title: `Change to '${suggestion}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [textDocument.uri]: [{ range: d.range, newText: suggestion }] } },
      });
    }
    return actions;
  });

  connection.onShutdown(() => {
    shutdown = true;
  });
  documents.listen(connection);
  return new Promise((resolve) => {
    // LSP: exit after shutdown is status 0, without it 1
    connection.onExit(() => resolve(shutdown ? 0 : 1));
    // the editor went away without `exit`
    input.on('end', () => resolve(shutdown ? 0 : 1));
    connection.listen();
  });
}

function toLsp(d: Diagnostic, lines: LineTable): LspDiagnostic {
  return { range: lines.range(d.range), severity: d.severity === 'error' ? 1 : 2, source: SOURCE, message: d.message };
}

/**
 * A language client for tests: starts `kernwatch lsp --stdio` as an editor
 * does and speaks LSP to it over the child's pipes (vscode-jsonrpc, the
 * library VS Code's own client is built on).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(REPO, 'bin', 'kernwatch');

export interface PublishedDiagnostics {
  uri: string;
  diagnostics: Array<{ range: LspRange; severity: number; message: string; source: string }>;
}
export interface LspPosition {
  line: number;
  character: number;
}
export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

export const uri = (file: string): string => pathToFileURL(file).href;

export class TestClient {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  private readonly waiting: Array<{ uri: string; resolve: (p: PublishedDiagnostics) => void }> = [];
  /** every publication, in order */
  readonly published: PublishedDiagnostics[] = [];
  stderr = '';

  constructor() {
    this.child = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishedDiagnostics) => {
      this.published.push(p);
      const i = this.waiting.findIndex((w) => w.uri === p.uri);
      if (i >= 0) this.waiting.splice(i, 1)[0]?.resolve(p);
    });
    this.connection.listen();
  }

  async initialize(rootDir: string): Promise<{ capabilities: Record<string, unknown> }> {
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: uri(rootDir),
      capabilities: {},
      workspaceFolders: [{ uri: uri(rootDir), name: 'test' }],
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** The next diagnostics published for `u`, within 10 s. */
  nextDiagnostics(u: string): Promise<PublishedDiagnostics> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${u} within 10 s`)), 10_000);
      this.waiting.push({
        uri: u,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  async open(file: string, text: string): Promise<PublishedDiagnostics> {
    const next = this.nextDiagnostics(uri(file));
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'kernwatch', version: 1, text } });
    return next;
  }

  async change(file: string, version: number, text: string): Promise<PublishedDiagnostics> {
    const next = this.nextDiagnostics(uri(file));
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version }, contentChanges: [{ text }] });
    return next;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest<R>(method, params);
  }

  /** shutdown, exit, and the server's exit status */
  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    this.connection.dispose();
    return code;
  }
}

/** The LSP position of the first `needle` in `text`, `delta` characters in. */
export function positionOf(text: string, needle: string, delta = 0): LspPosition {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`'${needle}' is not in the text`);
  const offset = at + delta;
  const line = text.slice(0, offset).split('\n').length - 1;
  return { line, character: offset - (text.lastIndexOf('\n', offset - 1) + 1) };
}

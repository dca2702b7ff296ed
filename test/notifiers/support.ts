/** Real receivers on loopback for the notifier tests, and an alert to send them. */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Alert } from '../../src/engine/alert';
import { parseConfig } from '../../src/config/load_config';
import type { Config } from '../../src/config/config';
import type { Logger } from '../../src/notifiers/notifier';
import { Dispatcher, type DispatcherOptions } from '../../src/notifiers/dispatcher';

export const HOSTILE_COMM = '<!channel> <img src=x>\r\nBcc: evil@example.com';
export const LONG_PATH = `/prod/${'a'.repeat(10_000)}`;

/** What a webhook receiver does to get a field's exact bytes back (docs/notifiers.md). */
export function exactBytes(s: string): Buffer {
  const parts: Buffer[] = [];
  for (const m of s.matchAll(/\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})|[^\\]+/g)) {
    const e = m[1];
    if (e === undefined) parts.push(Buffer.from(m[0], 'utf8'));
    else if (e === '\\') parts.push(Buffer.from('\\'));
    else if (e[0] === 'x') parts.push(Buffer.from([Number.parseInt(e.slice(1), 16)]));
    else parts.push(Buffer.from(String.fromCharCode(Number.parseInt(e.slice(1), 16)), 'utf8'));
  }
  return Buffer.concat(parts);
}

/** The exact string, for text that was valid UTF-8. */
export function unescapeExact(s: string): string {
  return exactBytes(s).toString('utf8');
}

export function oomAlert(overrides: Partial<Alert> = {}): Alert {
  const startsAt = overrides.startsAt ?? Date.parse('2026-11-25T15:00:00.000Z');
  return {
    fingerprint: 'f1e2d3c4b5a69788',
    rule: 'prod-oom',
    state: 'firing',
    severity: 'critical',
    labels: { alertname: 'prod-oom', host: 'web-3', severity: 'critical', cgroup: '/prod/api' },
    summary: 'java (4242) OOM-killed in /prod/api',
    fields: { cgroup: '/prod/api', comm: 'java', pid: 4242, tgid: 4242, anon_rss: 1610612736, cgroup_id: 12345678901234567890n },
    count: 1,
    startsAt,
    host: 'web-3',
    ...overrides,
    at: overrides.at ?? overrides.endsAt ?? startsAt,
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kw-${prefix}-`));
}

export async function withTempDir(prefix: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir(prefix);
  try {
    await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A config from YAML text, as an operator would write it. */
export function configFrom(yaml: string, dir: string, env: NodeJS.ProcessEnv = {}): Config {
  return parseConfig(yaml, path.join(dir, 'kernwatch.yaml'), env);
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** the receiver's `now()` when the request began */
  readonly at: number;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** An HTTP receiver that records every request and answers from a script (then 200 "ok"). */
export class Receiver {
  readonly requests: Received[] = [];
  private readonly server: http.Server;
  replies: Reply[] = [];
  /** what requests are stamped with: a test on a FakeClock stamps them with its time */
  now: () => number = Date.now;

  private constructor() {
    this.server = http.createServer((req, res) => {
      // when the request began, not when its body ended: closer to when it was sent
      const at = this.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at });
        const reply = this.replies.shift() ?? { status: 200, body: 'ok' };
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      });
    });
  }

  static async start(port = 0): Promise<Receiver> {
    const r = new Receiver();
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(port, '127.0.0.1', resolve);
    });
    return r;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook/T000/B000/secret`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
}

export interface MailTls {
  readonly key: string;
  readonly cert: string;
  /** TLS from the first byte (port 465 style) rather than STARTTLS */
  readonly implicit: boolean;
}

/** A throwaway self-signed certificate for 127.0.0.1, made by openssl. */
export function selfSignedCert(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), certFile };
}

/** A real SMTP server on loopback (no TLS, no auth unless asked) that keeps what it receives. */
export class MailSink {
  readonly mails: ReceivedMail[] = [];
  /** SMTP reply code to answer DATA with, once each; empty: accept */
  rejectWith: number[] = [];
  private readonly server: SMTPServer;

  private constructor(auth?: { user: string; pass: string }, tls?: MailTls) {
    const disabled = [...(tls ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])];
    this.server = new SMTPServer({
      ...(tls ? { key: tls.key, cert: tls.cert, secure: tls.implicit } : {}),
      disabledCommands: disabled,
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      disableReverseLookup: true,
      onAuth: (a, _session, cb) => {
        if (auth && a.username === auth.user && a.password === auth.pass) cb(null, { user: a.username });
        else cb(new Error('bad credentials'));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const code = this.rejectWith.shift();
          if (code !== undefined) {
            const err = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & { responseCode: number };
            err.responseCode = code;
            cb(err);
            return;
          }
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
  }

  static async start(auth?: { user: string; pass: string }, tls?: MailTls, port = 0): Promise<MailSink> {
    const s = new MailSink(auth, tls);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(port, '127.0.0.1', () => resolve());
    });
    return s;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A logger that keeps lines for assertions. */
export function memoryLogger(): Logger & { readonly lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (fields, msg) => lines.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => lines.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => lines.push({ level: 'error', msg, fields }),
  };
}

/** Fast retries for tests; the policy itself is tested on its own. */
export const FAST_BACKOFF = { baseMs: 50, capMs: 200 };

export interface ParsedMail {
  readonly headers: ReadonlyMap<string, string>;
  readonly text: string;
  readonly html: string;
}

function decodeWords(value: string): string {
  return value
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*/g, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    )
    .trimEnd();
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), decodeWords(line.slice(i + 1).trim()));
  }
  return headers;
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Just enough MIME for nodemailer's multipart/alternative: headers, the text part and the HTML part. */
export function parseMail(raw: string): ParsedMail {
  const split = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.slice(0, split));
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  let text = '';
  let html = '';
  if (boundary) {
    for (const part of raw.slice(split + 4).split(`--${boundary}`)) {
      const at = part.indexOf('\r\n\r\n');
      if (at < 0) continue;
      const h = parseHeaders(part.slice(0, at).replace(/^\r\n/, ''));
      const body = decodeBody(part.slice(at + 4).replace(/\r\n$/, ''), h.get('content-transfer-encoding'));
      if (h.get('content-type')?.startsWith('text/plain')) text = body.replace(/\r\n/g, '\n');
      if (h.get('content-type')?.startsWith('text/html')) html = body.replace(/\r\n/g, '\n');
    }
  }
  return { headers, text, html };
}

export interface Harness<S> {
  readonly server: S;
  readonly dispatcher: Dispatcher;
  readonly dir: string;
  readonly log: ReturnType<typeof memoryLogger>;
}

/**
 * Starts a receiver, opens a Dispatcher on a config written for it in a
 * temp dir, runs the test, and always closes all three.
 */
export async function withDispatcher<S extends { close(): Promise<void> }>(
  prefix: string,
  start: () => Promise<S>,
  yaml: (server: S, dir: string) => string,
  body: (h: Harness<S>) => Promise<void>,
  options: Omit<DispatcherOptions, 'log'> & { readonly env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const dir = tempDir(prefix);
  const log = memoryLogger();
  let server: S | undefined;
  let dispatcher: Dispatcher | undefined;
  try {
    server = await start();
    dispatcher = await Dispatcher.open(configFrom(yaml(server, dir), dir, options.env), { backoff: FAST_BACKOFF, ...options, log });
    await body({ server, dispatcher, dir, log });
  } finally {
    await dispatcher?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * For tests of code that must never block on a FIFO: if it does, with a
 * synchronous read, the event loop stops and no test timeout can fire, so a
 * child process SIGKILLs this one after `ms` rather than let the run hang.
 * Call the returned function when done.
 */
export function killUnlessDoneWithin(ms: number): () => void {
  // its own process group, so that the sleep goes with the shell
  const guard = spawn('sh', ['-c', `sleep ${Math.ceil(ms / 1000)}; kill -9 ${process.pid}`], { stdio: 'ignore', detached: true });
  guard.unref();
  return () => {
    if (guard.pid !== undefined) process.kill(-guard.pid, 'SIGKILL');
  };
}

/** A receiver that is down: the URL of a port nobody listens on. */
export async function deadUrl(): Promise<{ url: string; close(): Promise<void> }> {
  const r = await Receiver.start();
  const url = r.url;
  await r.close();
  return { url, close: async () => undefined };
}

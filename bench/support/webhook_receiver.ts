/**
 * A webhook receiver on loopback for bench/flood.ts: answers 200 at once and
 * keeps, per idempotency key (a retry is the same notification), when the
 * body had arrived and what it said: the rule, the state, and startsAt,
 * which for an event rule is the kernel's timestamp of the event (the
 * decoder's monotonic-to-wall-clock offset, in ms).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  /** wall-clock ms when the whole body had arrived */
  readonly at: number;
  readonly rule: string;
  readonly state: string;
  /** wall-clock ms of the alert's start, from the payload */
  readonly startsAt: number;
}

export class WebhookReceiver {
  readonly arrivals = new Map<string, Arrival>();
  /** posts of a key already received */
  retries = 0;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer();
    const r = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const at = Date.now();
        res.writeHead(200).end();
        r.receive(at, String(req.headers['idempotency-key'] ?? ''), body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The first firing notification of `rule`, if one came. */
  firing(rule: string): Arrival | undefined {
    for (const a of this.arrivals.values()) if (a.rule === rule && a.state === 'firing') return a;
    return undefined;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(at: number, key: string, body: string): void {
    let parsed: { rule?: unknown; state?: unknown; startsAt?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return;
    }
    if (this.arrivals.has(key)) {
      this.retries += 1;
      return;
    }
    this.arrivals.set(key, { at, rule: String(parsed.rule), state: String(parsed.state), startsAt: Date.parse(String(parsed.startsAt)) });
  }
}

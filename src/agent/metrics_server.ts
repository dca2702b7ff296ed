/**
 * The agent's HTTP endpoints on the configured address, node:http only:
 * /metrics, /healthz (the process answers) and /-/ready (attached to the
 * kernel with rules loaded; 503 otherwise), as Prometheus's own are named.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPE } from './metrics';

/** The configured address cannot be listened on: one printable line. */
export class MetricsListenError extends Error {
  override readonly name = 'MetricsListenError';
}

export class MetricsServer {
  private constructor(private readonly server: http.Server) {}

  /** Listens on `listen` ("127.0.0.1:9469", "[::]:9469", ":9469"); rejects if the address is taken. */
  static async start(listen: string, handlers: { page: () => string; ready: () => boolean }): Promise<MetricsServer> {
    const { host, port } = splitListen(listen);
    const server = http.createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (url === '/metrics') {
        const body = handlers.page();
        res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      } else if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (url === '/-/ready') {
        const ready = handlers.ready();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('kernwatch: see /metrics, /healthz, /-/ready\n');
      }
    });
    // a scraper that stops mid-request must not hold the agent's shutdown
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new MetricsListenError(`metrics.listen ${listen}: ${e.code ?? e.message}`)));
      server.listen({ host: host === '' ? undefined : host, port }, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    return new MetricsServer(server);
  }

  /** host:port actually listened on (the port chosen by the kernel for port 0) */
  get listening(): string {
    const a = this.server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(at + 1)) };
}

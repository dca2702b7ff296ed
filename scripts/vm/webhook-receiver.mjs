// The webhook receiver a QEMU guest's kernwatch delivers to (through QEMU's
// user network the host is 10.0.2.2). Plain HTTP, so the guest can read it
// back with bash's /dev/tcp and no client installed:
//   POST /<anything>      an alert: kept, answered 200 after the current delay
//   GET  /alerts          every alert body received so far, one JSON line each
//   GET  /answered        how many POSTs were answered to a client still
//                         connected (a sender that gave up does not count)
//   GET  /delay?ms=N      from now on, hold each POST N ms before answering
//                         (to have a delivery in flight when the agent stops)
// usage: node webhook-receiver.mjs PORT_FILE LOG_FILE
// It listens on an ephemeral port, writes it to PORT_FILE, appends each
// alert to LOG_FILE, and runs until killed.
import { createServer } from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';

const [portFile, logFile] = process.argv.slice(2);
if (!portFile || !logFile) {
  console.error('usage: webhook-receiver.mjs PORT_FILE LOG_FILE');
  process.exit(2);
}
const alerts = [];
let delayMs = 0;
let answered = 0;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://receiver');
  if (req.method === 'GET') {
    if (url.pathname === '/alerts') return reply(res, alerts.map((a) => `${a}\n`).join(''));
    if (url.pathname === '/answered') return reply(res, `${answered}\n`);
    if (url.pathname === '/delay') {
      delayMs = Math.max(0, Math.min(60_000, Number(url.searchParams.get('ms')) || 0));
      return reply(res, `${delayMs}\n`);
    }
    res.statusCode = 404;
    return reply(res, 'not found\n');
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8').replace(/\n/g, ' ');
    alerts.push(body);
    appendFileSync(logFile, `${body}\n`);
    setTimeout(() => {
      if (res.destroyed) return; // the sender gave up: not delivered
      res.on('finish', () => answered++);
      reply(res, 'ok\n');
    }, delayMs);
  });
});

function reply(res, text) {
  res.setHeader('content-type', 'text/plain');
  res.setHeader('connection', 'close');
  res.end(text);
}

server.listen(0, '0.0.0.0', () => writeFileSync(portFile, `${server.address().port}\n`));

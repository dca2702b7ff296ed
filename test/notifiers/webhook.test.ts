import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Dispatcher } from '../../src/notifiers/dispatcher';
import { retryUntil } from '../support/bounded';
import { HOSTILE_COMM, LONG_PATH, unescapeExact, Receiver, oomAlert, withDispatcher } from './support';

const SECRET = 'a-webhook-secret-of-32-characters';

/** What a receiver does: recompute the HMAC over timestamp and body, compare in constant time. */
function verify(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const got = Buffer.from(signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

async function withHook(body: (r: Receiver, d: Dispatcher) => Promise<void>, url = (r: Receiver) => r.url): Promise<void> {
  await withDispatcher(
    'webhook',
    () => Receiver.start(),
    (r, dir) => {
      fs.writeFileSync(path.join(dir, 'hook.key'), `${SECRET}\n`);
      return `
state_dir: ./state
notifiers:
  hook:
    type: webhook
    url: ${url(r)}
    secret_file: hook.key
    headers: { X-Team: sre }
`;
    },
    (h) => body(h.server, h.dispatcher),
  );
}

test('webhook: the JSON body is signed with HMAC-SHA256 over timestamp and body, with an idempotency key', async () => {
  await withHook(async (r, d) => {
    await d.dispatch('hook', { alert: oomAlert({ value: 3.5 }), args: [] });
    const req = await retryUntil('the POST', 5000, () => r.requests[0]);
    const ts = String(req.headers['x-kernwatch-timestamp']);
    assert.match(ts, /^\d{10}$/);
    assert.ok(verify(SECRET, ts, req.body, String(req.headers['x-kernwatch-signature'])), 'signature verifies');
    assert.ok(!verify('another-secret-of-enough-length', ts, req.body, String(req.headers['x-kernwatch-signature'])));
    assert.equal(req.headers['x-team'], 'sre');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    assert.equal(req.headers['idempotency-key'], body.key);
    assert.deepEqual(body, {
      version: 1,
      key: body.key,
      notifier: 'hook',
      fingerprint: 'f1e2d3c4b5a69788',
      rule: 'prod-oom',
      state: 'firing',
      severity: 'critical',
      host: 'web-3',
      labels: { alertname: 'prod-oom', host: 'web-3', severity: 'critical', cgroup: '/prod/api' },
      summary: 'java (4242) OOM-killed in /prod/api',
      fields: { cgroup: '/prod/api', comm: 'java', pid: 4242, tgid: 4242, anon_rss: 1610612736, cgroup_id: '12345678901234567890' },
      count: 1,
      value: 3.5,
      startsAt: '2026-11-25T15:00:00.000Z',
    });
  });
});

test('webhook: a 503 is retried with the same key and body; a 400 is dropped and counted', async () => {
  await withHook(async (r, d) => {
    r.replies = [{ status: 503 }];
    await d.dispatch('hook', { alert: oomAlert(), args: [] });
    await retryUntil('the retry', 5000, () => r.requests[1]);
    assert.equal(r.requests[0]?.headers['idempotency-key'], r.requests[1]?.headers['idempotency-key']);
    assert.equal(r.requests[0]?.body, r.requests[1]?.body);
    r.replies = [{ status: 400, body: 'bad payload' }];
    await d.dispatch('hook', { alert: oomAlert({ fingerprint: 'x' }), args: [] });
    const s = await retryUntil('the drop', 5000, () => d.stats().find((x) => x.name === 'hook' && x.dropped.rejected === 1));
    assert.equal(s.pending, 0, 'nothing left to send again');
    assert.equal(r.requests.length, 3);
    assert.equal(s.delivered, 1);
    assert.match(s.lastError ?? '', /HTTP 400: bad payload/);
    assert.doesNotMatch(s.lastError ?? '', /secret/, 'the URL path is redacted');
  });
});

test('webhook: hostile strings stay JSON-safe and are capped', async () => {
  await withHook(async (r, d) => {
    const hostile = 'x\r\nBcc:a@ev.il\u001b[31m\u202e';
    const alert = oomAlert({
      summary: `${hostile} OOM-killed`,
      labels: { alertname: 'prod-oom', cgroup: hostile },
      fields: { comm: HOSTILE_COMM, cgroup: LONG_PATH },
    });
    await d.dispatch('hook', { alert, args: [] });
    const req = await retryUntil('the POST', 5000, () => r.requests[0]);
    const body = JSON.parse(req.body) as { fields: { comm: string; cgroup: string }; labels: Record<string, string>; summary: string };
    for (const text of [body.labels.cgroup ?? '', body.summary, body.fields.comm]) {
      assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/, `no control character arrives: ${JSON.stringify(text)}`);
    }
    assert.equal(body.labels.cgroup, 'x\\x0d\\x0aBcc:a@ev.il\\x1b[31m\\u202e');
    assert.equal(unescapeExact(body.fields.comm), HOSTILE_COMM, 'fields are exact once unescaped');
    assert.ok(body.fields.cgroup.length <= 4096);
    assert.match(body.fields.cgroup, /…\[\+\d+ chars\]$/);
  });
});

test('webhook: a URL with user:password@ is sent with HTTP basic auth, the credentials never in a log', async () => {
  await withHook(
    async (r, d) => {
      await d.dispatch('hook', { alert: oomAlert(), args: [] });
      const req = await retryUntil('the POST', 5000, () => r.requests[0]);
      assert.equal(req.headers.authorization, `Basic ${Buffer.from('kern:p@ss word').toString('base64')}`);
      assert.equal(r.requests.length, 1, 'delivered on the first try');
    },
    (r) => r.url.replace('http://', 'http://kern:p%40ss%20word@'),
  );
});

test('routing: min_severity keeps warnings off the pager and sends them to chat; rule_source_url links each alert to its rule', async () => {
  await withDispatcher(
    'routing',
    () => Receiver.start(),
    (r, dir) => {
      fs.writeFileSync(path.join(dir, 'hook.key'), `${SECRET}\n`);
      return `
state_dir: ./state
rules: [rules/]
rule_source_url: "https://git.example.com/sre/rules/blob/main/{file}#L{line}"
notifiers:
  pager: { type: webhook, url: "${r.url}/pager", secret_file: hook.key, min_severity: critical }
  chat: { type: webhook, url: "${r.url}/chat", secret_file: hook.key }
`;
    },
    async ({ server: r, dispatcher: d, dir }) => {
      const source = { file: path.join(dir, 'rules', 'team a', 'oom.rules'), line: 7 };
      const warning = oomAlert({ severity: 'warning', fingerprint: 'w', source });
      assert.equal(await d.dispatch('pager', { alert: warning, args: [] }), 'skipped');
      assert.equal(
        await d.dispatch('pager', { alert: { ...warning, state: 'resolved', endsAt: warning.startsAt + 1 }, args: [] }),
        'skipped',
        'nor its resolution',
      );
      assert.equal(await d.dispatch('chat', { alert: warning, args: [] }), 'queued');
      assert.equal(await d.dispatch('pager', { alert: oomAlert({ fingerprint: 'c', source }), args: [] }), 'queued');
      await retryUntil('both delivered', 5000, () =>
        d.stats().every((s) => s.pending === 0 && s.delivered === (s.name === 'stdout' ? 0 : 1)) ? true : undefined,
      );
      // the skipped ones were never queued: nothing else can arrive
      assert.deepEqual(r.requests.map((q) => q.url.split('/').pop()).sort(), ['chat', 'pager']);
      const pager = JSON.parse(r.requests.find((q) => q.url.endsWith('/pager'))?.body ?? '{}') as { severity: string; source_url: string };
      assert.equal(pager.severity, 'critical');
      assert.equal(pager.source_url, 'https://git.example.com/sre/rules/blob/main/team%20a/oom.rules#L7');
    },
  );
});

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { decodeKernelString } from '../../src/events/kernel_string';
import { escapedExact, fit, html, headerText, slackCode, slackText, visible } from '../../src/notifiers/escape';
import { backoffMs, parseRetryAfter } from '../../src/notifiers/backoff';
import { fieldLines, title } from '../../src/notifiers/render';
import { formatBytes, formatNs } from '../../src/events/format_value';
import { StdoutNotifier } from '../../src/notifiers/stdout';
import { notifierMetrics } from '../../src/notifiers/metrics';
import { Histogram } from '../../src/notifiers/histogram';
import { HOSTILE_COMM, LONG_PATH, exactBytes, oomAlert, unescapeExact } from './support';

test('visible: control, line-separator and bidi characters are shown, not obeyed', () => {
  assert.equal(visible('a\r\nb\u0000c\u001b[31m'), 'a\\x0d\\x0ab\\x00c\\x1b[31m');
  assert.equal(visible('evil\u202egnp.exe'), 'evil\\u202egnp.exe', 'no right-to-left override (Trojan Source)');
  assert.equal(visible('x\u2028y'), 'x\\u2028y');
  assert.equal(visible('java ünïcode 🔥'), 'java ünïcode 🔥');
});

test('fit: cuts the raw text so escaped text plus a visible marker fits, never inside an escape or a surrogate pair', () => {
  assert.equal(fit('short', 10), 'short');
  const cut = fit(LONG_PATH, 100);
  assert.ok(cut.length <= 100);
  assert.match(cut, /^\/prod\/a+…\[\+\d+ chars\]$/);
  const amps = fit('&'.repeat(1000), 50, slackText);
  assert.ok(amps.length <= 50);
  assert.match(amps, /^(&amp;)+…\[\+\d+ chars\]$/, 'no half entity');
  const emoji = fit('🔥'.repeat(100), 30);
  assert.doesNotMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone high surrogate');
});

test('slack escaping: no mention, link or formatting from a process name', () => {
  assert.equal(
    slackText('<!channel> <@U1> <http://x|y> & @here @Everyone'),
    '&lt;!channel&gt; &lt;@U1&gt; &lt;http:\u2215\u2215x|y&gt; &amp; @\u2060here @\u2060Everyone',
  );
  // formatting markers at a word boundary and link-making dots become look-alikes Slack leaves alone
  assert.equal(slackText('*bold*<!here>'), '\u2217bold\u2217&lt;!here&gt;');
  assert.equal(slackText('_it_ ~s~ www.evil-example.com a@b.example'), '\uff3fit\uff3f \u223cs\u223c www\u2024evil-example\u2024com a@b\u2024example');
  assert.equal(slackText('pg_dump a*b 31.8 MiB at 15:00:00.000Z'), 'pg_dump a*b 31.8 MiB at 15:00:00.000Z', 'nothing Slack would format is changed');
  assert.equal(slackCode('a`b*c*'), '`aˋb*c*`', 'a backtick cannot close the code span');
  assert.equal(slackCode(''), '` `');
});

test('exact escaping is reversible: a backslash is doubled, invisible characters are shown', () => {
  const raw = 'a\\x0a\r\nb\u202e\u001b';
  const escaped = escapedExact(raw);
  assert.equal(escaped, 'a\\\\x0a\\x0d\\x0ab\\u202e\\x1b');
  assert.equal(unescapeExact(escaped), raw);
});

test('html and header escaping', () => {
  assert.equal(html(`<img src=x onerror="a('b')">&`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  assert.equal(headerText(HOSTILE_COMM, 200), '<!channel> <img src=x>\\x0d\\x0aBcc: evil@example.com');
  assert.doesNotMatch(headerText(LONG_PATH, 200), /[\r\n]/);
});

test('rendering: title, units from the catalog, a stable field order', () => {
  assert.equal(title(oomAlert()), '[FIRING:critical] prod-oom on web-3');
  assert.equal(title(oomAlert({ test: true, state: 'resolved' })), '[TEST] [RESOLVED:critical] prod-oom on web-3');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(150 * 1024 ** 3), '150 GiB');
  assert.equal(formatNs(2_500_000), '2.5 ms');
  assert.deepEqual(
    fieldLines(oomAlert()).map((f) => `${f.name}=${f.text}`),
    ['cgroup=/prod/api', 'comm=java', 'pid=4242', 'tgid=4242', 'anon_rss=1.50 GiB'],
  );
});

test('backoff: exponential with jitter, capped; Retry-After as seconds or a date', () => {
  const policy = { baseMs: 1000, capMs: 8000 };
  assert.equal(
    backoffMs(1, policy, () => 0),
    500,
  );
  assert.equal(
    backoffMs(1, policy, () => 1),
    1000,
  );
  assert.equal(
    backoffMs(3, policy, () => 0.5),
    3000,
  );
  assert.equal(
    backoffMs(20, policy, () => 1),
    8000,
  );
  const now = Date.parse('2026-11-25T15:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('Wed, 25 Nov 2026 15:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Wed, 25 Nov 2026 14:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('999999', now), 3_600_000, 'capped at an hour');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

test('stdout: JSON lines carry the whole alert; text lines are one line each, whatever the kernel said', async () => {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const base = { name: 'stdout', sendResolved: true, minSeverity: 'info' as const, timeoutMs: 1000, outbox: { maxEntries: 10, maxAgeMs: 1000 } };
  const alert = oomAlert({ fields: { comm: HOSTILE_COMM, cgroup: LONG_PATH, pid: 1 } });
  const d = { id: '1', key: 'k', notifier: 'stdout', args: [], alert, enqueuedAt: 0 };
  await new StdoutNotifier({ ...base, type: 'stdout', format: 'json' }, out).send([d]);
  const json = JSON.parse(chunks.join('')) as { fields: { comm: string; cgroup: string } };
  assert.equal(json.fields.comm, '<!channel> <img src=x>\\x0d\\x0aBcc: evil@example.com', 'shown, not obeyed');
  assert.equal(unescapeExact(json.fields.comm), HOSTILE_COMM, 'and recoverable');
  assert.ok(json.fields.cgroup.length <= 4096);
  chunks.length = 0;
  await new StdoutNotifier({ ...base, type: 'stdout', format: 'text' }, out).send([d]);
  const text = chunks.join('');
  assert.equal(text.split('\n').length, 2, 'one line and its newline');
  assert.match(
    text,
    /^\[FIRING:critical\] prod-oom on web-3: java \(4242\) OOM-killed in \/prod\/api \| cgroup=\/prod\/a+…\[\+\d+ chars\] comm=<!channel> <img src=x>\\x0d\\x0aBcc: evil@example.com pid=1 \| started/,
  );
});

test('metrics: the counters in Prometheus text format, drops by reason, the outbox persist histogram', () => {
  const persist = new Histogram();
  persist.observe(0.002);
  persist.observe(0.2);
  const text = notifierMetrics([
    {
      name: 'oncall',
      type: 'slack',
      delivered: 5,
      sends: 2,
      failures: 3,
      retries: 2,
      dropped: { overflow: 0, expired: 1, rejected: 1, corrupt: 0 },
      pending: 4,
      notPersisted: 0,
      consecutiveFailures: 1,
      failingSince: 1_700_000_000_000,
      lastSuccessAt: 1_700_000_000_500,
      persistSeconds: persist.snapshot(),
    },
  ]);
  assert.match(
    text,
    /^# HELP kernwatch_notifier_deliveries_total .+\n# TYPE kernwatch_notifier_deliveries_total counter\nkernwatch_notifier_deliveries_total\{notifier="oncall",type="slack"\} 5\n/,
  );
  assert.match(text, /\nkernwatch_notifier_last_success_timestamp_seconds\{notifier="oncall",type="slack"\} 1700000000.5\n/);
  assert.match(text, /\nkernwatch_notifier_dropped_total\{notifier="oncall",type="slack",reason="expired"\} 1\n/);
  assert.match(text, /\nkernwatch_notifier_pending\{notifier="oncall",type="slack"\} 4\n/);
  assert.match(text, /\n# TYPE kernwatch_outbox_persist_seconds histogram\n/);
  assert.match(text, /\nkernwatch_outbox_persist_seconds_bucket\{notifier="oncall",type="slack",le="0.001"\} 0\n/);
  assert.match(text, /\nkernwatch_outbox_persist_seconds_bucket\{notifier="oncall",type="slack",le="0.0025"\} 1\n/);
  assert.match(text, /\nkernwatch_outbox_persist_seconds_bucket\{notifier="oncall",type="slack",le="0.1"\} 1\n/);
  assert.match(text, /\nkernwatch_outbox_persist_seconds_bucket\{notifier="oncall",type="slack",le="0.25"\} 2\n/);
  assert.match(text, /\nkernwatch_outbox_persist_seconds_bucket\{notifier="oncall",type="slack",le="\+Inf"\} 2\n/);
  assert.match(text, /\nkernwatch_outbox_persist_seconds_sum\{notifier="oncall",type="slack"\} 0.202\n/);
  assert.match(text, /\nkernwatch_outbox_persist_seconds_count\{notifier="oncall",type="slack"\} 2\n/);
});

test('kernel bytes that are not UTF-8 survive decoding and escaping, byte for byte', () => {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let n = 0; n < 2000; n++) {
    const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 16) }, () => Math.floor(random() * 256)));
    const decoded = decodeKernelString(bytes, 0, bytes.length);
    const escaped = escapedExact(decoded);
    assert.doesNotMatch(escaped, /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u, 'nothing invisible or unpaired is sent');
    assert.deepEqual(exactBytes(escaped), bytes, `bytes ${bytes.toString('hex')} -> ${escaped}`);
  }
  assert.equal(visible(decodeKernelString(Buffer.from([0x6b, 0xff, 0xc3, 0xa9, 0xc2, 0x80]), 0, 6)), 'k\\xffé\\u0080', 'a byte is \\xNN, a character \\uNNNN');
});

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Dispatcher } from '../../src/notifiers/dispatcher';
import { SUBJECT_MAX } from '../../src/notifiers/email';
import { retryUntil } from '../support/bounded';
import { HOSTILE_COMM, LONG_PATH, MailSink, oomAlert, parseMail, selfSignedCert, withDispatcher, withTempDir } from './support';

async function withMail(body: (sink: MailSink, d: Dispatcher) => Promise<void>, auth?: { user: string; pass: string }): Promise<void> {
  await withDispatcher(
    'email',
    () => MailSink.start(auth),
    (sink, dir) => {
      if (auth) fs.writeFileSync(path.join(dir, 'smtp-password'), `${auth.pass}\n`, { mode: 0o600 });
      return `
state_dir: ./state
notifiers:
  sre:
    type: email
    smtp:
      host: 127.0.0.1
      port: ${sink.port}
      tls: none
${auth ? `      user: ${auth.user}\n      password_file: smtp-password` : ''}
    from: kernwatch@example.com
    to: [sre@example.com, oncall@example.com]
    timeout: 5s
`;
    },
    (h) => body(h.server, h.dispatcher),
  );
}

test('email: the mail has the subject, a text part and an HTML part, sent to the configured recipients', async () => {
  await withMail(async (sink, d) => {
    await d.dispatch('sre', { alert: oomAlert(), args: [] });
    const mail = await retryUntil('the mail', 10_000, () => sink.mails[0]);
    assert.equal(mail.from, 'kernwatch@example.com');
    assert.deepEqual(mail.to, ['sre@example.com', 'oncall@example.com']);
    const m = parseMail(mail.raw);
    assert.equal(m.headers.get('subject'), '[FIRING:critical] prod-oom on web-3: java (4242) OOM-killed in /prod/api');
    assert.equal(m.headers.get('message-id'), '<kernwatch.f1e2d3c4b5a69788.1795618800000@web-3>');
    assert.match(m.headers.get('x-kernwatch-key') ?? '', /^[0-9a-f]{32}$/);
    assert.equal(
      m.text,
      [
        '[FIRING:critical] prod-oom on web-3',
        '',
        'java (4242) OOM-killed in /prod/api',
        '',
        'cgroup: /prod/api',
        'comm: java',
        'pid: 4242',
        'tgid: 4242',
        'anon_rss: 1.50 GiB',
        '',
        'started 2026-11-25T15:00:00.000Z',
        '1 event',
        `key: ${m.headers.get('x-kernwatch-key')}`,
        '',
      ].join('\n'),
    );
    assert.match(m.html, /<h2 style="color:#c62828;margin:0 0 8px">\[FIRING:critical\] prod-oom on web-3<\/h2>/);
    assert.match(m.html, /<th align="left" style="padding:2px 12px 2px 0">anon_rss<\/th><td><code>1.50 GiB<\/code><\/td>/);
  });
});

test('email: a rule argument overrides the recipients, and the resolved mail threads under the firing one', async () => {
  await withMail(async (sink, d) => {
    await d.dispatch('sre', { alert: oomAlert(), args: ['team@example.com'] });
    await d.dispatch('sre', { alert: oomAlert({ state: 'resolved', endsAt: Date.parse('2026-11-25T15:10:00Z') }), args: ['team@example.com'] });
    await retryUntil('two mails', 10_000, () => (sink.mails.length === 2 ? true : undefined));
    const [firing, resolved] = sink.mails.map((x) => parseMail(x.raw));
    assert.deepEqual(sink.mails[0]?.to, ['team@example.com']);
    assert.match(resolved?.headers.get('subject') ?? '', /^\[RESOLVED:critical\] prod-oom on web-3: /);
    assert.equal(resolved?.headers.get('in-reply-to'), firing?.headers.get('message-id'));
    assert.match(resolved?.html ?? '', /color:#2e7d32/);
  });
});

test('email: a repeat and a resolution are mails of their own, each with its own Message-ID and key, threaded under the first', async () => {
  await withMail(async (sink, d) => {
    const startsAt = Date.parse('2026-11-25T15:00:00Z');
    await d.dispatch('sre', { alert: oomAlert({ count: 1 }), args: [] });
    await d.dispatch('sre', { alert: oomAlert({ count: 4, at: startsAt + 600_000 }), args: [] });
    await d.dispatch('sre', { alert: oomAlert({ state: 'resolved', count: 4, endsAt: startsAt + 1_200_000 }), args: [] });
    await retryUntil('three mails', 10_000, () => (sink.mails.length === 3 ? true : undefined));
    const [first, repeat, resolved] = sink.mails.map((x) => parseMail(x.raw));
    const ids = [first, repeat, resolved].map((m) => m?.headers.get('message-id'));
    const keys = [first, repeat, resolved].map((m) => m?.headers.get('x-kernwatch-key'));
    assert.equal(new Set(ids).size, 3, `three Message-IDs: ${ids.join(' ')}`);
    assert.equal(new Set(keys).size, 3, `three keys: ${keys.join(' ')}`);
    assert.equal(first?.headers.get('in-reply-to'), undefined, 'the first mail starts the thread');
    for (const m of [repeat, resolved]) {
      assert.equal(m?.headers.get('in-reply-to'), ids[0]);
      assert.equal(m?.headers.get('references'), ids[0]);
    }
  });
});

test('email: hostile strings inject no header and no HTML, and an over-long subject is cut visibly', async () => {
  await withMail(async (sink, d) => {
    const alert = oomAlert({
      summary: `${HOSTILE_COMM} ${'s'.repeat(500)}`,
      fields: { comm: HOSTILE_COMM, cgroup: LONG_PATH, pid: 7 },
    });
    await d.dispatch('sre', { alert, args: [] });
    const mail = await retryUntil('the mail', 10_000, () => sink.mails[0]);
    assert.deepEqual(mail.to, ['sre@example.com', 'oncall@example.com'], 'no Bcc smuggled in');
    const m = parseMail(mail.raw);
    assert.equal(m.headers.get('bcc'), undefined);
    const subject = m.headers.get('subject') ?? '';
    assert.ok(subject.length <= SUBJECT_MAX, `subject ${subject.length} chars`);
    assert.match(subject, /…\[\+\d+ chars\]$/);
    assert.match(subject, /<!channel> <img src=x>\\x0d\\x0aBcc: evil@example.com/, 'CR LF shown, not obeyed');
    assert.doesNotMatch(m.html, /<img/);
    assert.match(m.html, /&lt;img src=x&gt;/);
    assert.match(m.text, /comm: <!channel> <img src=x>\\x0d\\x0aBcc: evil@example.com\n/, 'the text part shows the name as it is, on one line');
    assert.match(m.text, /cgroup: \/prod\/a+…\[\+\d+ chars\]\n/);
    assert.ok(m.text.length < 4000, `text part ${m.text.length} chars for a 10,000-char path`);
  });
});

test('email: SMTP auth with the password from a file', async () => {
  await withMail(
    async (sink, d) => {
      await d.dispatch('sre', { alert: oomAlert(), args: [] });
      await retryUntil('the mail', 10_000, () => sink.mails[0]);
    },
    { user: 'kernwatch', pass: 's3cret-from-file' },
  );
});

test('email: a 4xx is retried and delivered once; a 5xx is dropped and counted', async () => {
  await withMail(async (sink, d) => {
    sink.rejectWith = [451];
    await d.dispatch('sre', { alert: oomAlert(), args: [] });
    await retryUntil('the retried mail', 10_000, () => sink.mails[0]);
    sink.rejectWith = [550];
    await d.dispatch('sre', { alert: oomAlert({ fingerprint: 'other' }), args: [] });
    const s = await retryUntil('the drop', 10_000, () => d.stats().find((x) => x.name === 'sre' && x.dropped.rejected === 1));
    // the outbox is empty: nothing is left that could be sent again
    assert.equal(s.pending, 0);
    assert.equal(sink.mails.length, 1);
    assert.equal(s.retries, 1);
    assert.equal(s.failures, 2);
    assert.equal(s.delivered, 1);
    assert.match(s.lastError ?? '', /SMTP 550/);
  });
});

for (const mode of ['starttls', 'tls'] as const) {
  test(`email: ${mode} with the server's certificate checked against ca_file; an unknown CA is refused and retried`, async () => {
    await withTempDir('email-tls', async (certDir) => {
      const cert = selfSignedCert(certDir);
      const tls = { key: cert.key, cert: cert.cert, implicit: mode === 'tls' };
      const yaml = (sink: MailSink, caLine: string): string => `
state_dir: ./state
notifiers:
  sre:
    type: email
    smtp: { host: 127.0.0.1, port: ${sink.port}, tls: ${mode}${caLine} }
    from: kernwatch@example.com
    to: [sre@example.com]
    timeout: 5s
`;
      await withDispatcher(
        'email-tls',
        () => MailSink.start(undefined, tls),
        (sink) => yaml(sink, `, ca_file: ${cert.certFile}`),
        async ({ server: sink, dispatcher: d }) => {
          await d.dispatch('sre', { alert: oomAlert(), args: [] });
          const mail = await retryUntil('the mail over TLS', 10_000, () => sink.mails[0]);
          assert.match(parseMail(mail.raw).headers.get('subject') ?? '', /^\[FIRING:critical\] prod-oom/);
        },
      );
      await withDispatcher(
        'email-tls',
        () => MailSink.start(undefined, tls),
        (sink) => yaml(sink, ''),
        async ({ server: sink, dispatcher: d }) => {
          await d.dispatch('sre', { alert: oomAlert(), args: [] });
          const s = await retryUntil('a refused handshake', 10_000, () => d.stats().find((x) => x.name === 'sre' && x.retries >= 1));
          assert.equal(sink.mails.length, 0);
          assert.match(s.lastError ?? '', /certificate/i);
        },
      );
    });
  });
}

test('email: an alert raised while the SMTP server is down is delivered, once, when it comes back', async () => {
  const probe = await MailSink.start();
  const port = probe.port;
  await probe.close();
  let sink: MailSink | undefined;
  try {
    await withDispatcher(
      'email-down',
      async () => ({ close: async () => undefined }),
      () => `
state_dir: ./state
notifiers:
  sre: { type: email, smtp: { host: 127.0.0.1, port: ${port}, tls: none }, from: kernwatch@example.com, to: [sre@example.com], timeout: 2s }
`,
      async ({ dispatcher: d }) => {
        await d.dispatch('sre', { alert: oomAlert(), args: [] });
        await retryUntil('attempts against the dead server', 5000, () => d.stats().find((s) => s.name === 'sre' && s.retries >= 2));
        sink = await MailSink.start(undefined, undefined, port);
        await retryUntil('the mail', 10_000, () => sink?.mails[0]);
        // empty: a mail is taken out once its server accepted it, so no second one can follow
        await retryUntil('the outbox empty', 2000, () => d.stats().find((s) => s.name === 'sre' && s.pending === 0));
        assert.equal(sink.mails.length, 1);
      },
    );
  } finally {
    await sink?.close();
  }
});

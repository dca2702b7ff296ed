import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dispatcher } from '../../src/notifiers/dispatcher';
import { SLACK_LIMITS } from '../../src/notifiers/slack';
import { retryUntil } from '../support/bounded';
import { FakeClock, withWallStep } from '../support/fake_clock';
import { HOSTILE_COMM, LONG_PATH, Receiver, oomAlert, withDispatcher, type Harness } from './support';

interface Block {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: { type: string; text: string }[];
}

const SLACK_YAML = (_r: Receiver): string => `
state_dir: ./state
notifiers:
  oncall:
    type: slack
    url_env: SLACK_URL
    channel: "#alerts"
    username: kernwatch
    min_interval: 1s
`;

/** A Slack notifier on a FakeClock: its pace and retries wait until the test moves the clock. */
async function withSlack(body: (r: Receiver, d: Dispatcher, log: Harness<Receiver>['log'], clock: FakeClock) => Promise<void>): Promise<void> {
  const r = await Receiver.start();
  const clock = new FakeClock();
  r.now = () => clock.now();
  await withDispatcher(
    'slack',
    async () => r,
    SLACK_YAML,
    (h) => body(h.server, h.dispatcher, h.log, clock),
    { env: { SLACK_URL: r.url }, clock },
  );
}

/**
 * Until `done`, each time the queues wait on the clock its time jumps to the
 * soonest wait's end. A timer pending means a queue is parked in its wait,
 * not sending: with one queue, requests are stamped when their sends began.
 */
async function driveUntil(clock: FakeClock, what: string, done: () => boolean): Promise<void> {
  await retryUntil(what, 10_000, () => {
    if (done()) return true;
    if (clock.pending().length > 0) clock.advanceToNext();
    return undefined;
  });
}

test('slack: one alert becomes this exact Block Kit message, posted to the webhook', async () => {
  await withSlack(async (r, d) => {
    assert.equal(await d.dispatch('oncall', { alert: oomAlert(), args: ['#oncall'] }), 'queued');
    await retryUntil('the Slack post', 5000, () => (r.requests.length === 1 ? true : undefined));
    await retryUntil('the delivery counted', 2000, () => d.stats().find((s) => s.name === 'oncall' && s.delivered === 1));
    const req = r.requests[0];
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/hook/T000/B000/secret');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      username: 'kernwatch',
      channel: '#oncall',
      text: '[FIRING:critical] prod-oom on web-3: java (4242) OOM-killed in /prod/api',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔥 [FIRING:critical] prod-oom on web-3', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: 'java (4242) OOM-killed in /prod/api' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Severity*\ncritical' },
            { type: 'mrkdwn', text: '*Host*\n`web-3`' },
            { type: 'mrkdwn', text: '*cgroup*\n`/prod/api`' },
            { type: 'mrkdwn', text: '*comm*\n`java`' },
            { type: 'mrkdwn', text: '*pid*\n`4242`' },
            { type: 'mrkdwn', text: '*tgid*\n`4242`' },
            { type: 'mrkdwn', text: '*anon_rss*\n`1.50 GiB`' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'started 2026-11-25T15:00:00.000Z · 1 event' }] },
      ],
      unfurl_links: false,
      unfurl_media: false,
    });
  });
});

test('slack: a resolved alert says so, and the channel defaults to the configured one', async () => {
  await withSlack(async (r, d) => {
    const endsAt = Date.parse('2026-11-25T15:05:00.000Z');
    await d.dispatch('oncall', { alert: oomAlert({ state: 'resolved', endsAt }), args: [] });
    await retryUntil('the Slack post', 5000, () => r.requests[0]);
    const payload = JSON.parse(r.requests[0]?.body ?? '{}') as { channel: string; text: string; blocks: Block[] };
    assert.equal(payload.channel, '#alerts');
    assert.equal(payload.text, '[RESOLVED:critical] prod-oom on web-3: java (4242) OOM-killed in /prod/api');
    assert.equal(payload.blocks[0]?.text?.text, '✅ [RESOLVED:critical] prod-oom on web-3');
    assert.match(payload.blocks.at(-1)?.elements?.[0]?.text ?? '', /resolved 2026-11-25T15:05:00.000Z/);
  });
});

test('slack: hostile kernel strings cannot mention, link or break the message, and long ones are cut visibly', async () => {
  await withSlack(async (r, d) => {
    const alert = oomAlert({
      summary: `*bold*<!here> in _it_ ~s~ www.evil-example.com \`code\` ${HOSTILE_COMM} <@U123> <https://evil.example|click> @here ${'x'.repeat(10_000)}`,
      fields: { comm: HOSTILE_COMM, cgroup: LONG_PATH, path: `<!subteam^S1> ${'p'.repeat(10_000)}`, pid: 1 },
    });
    await d.dispatch('oncall', { alert, args: [] });
    await retryUntil('the Slack post', 5000, () => r.requests[0]);
    const body = r.requests[0]?.body ?? '';
    const payload = JSON.parse(body) as { text: string; blocks: Block[] };
    const texts = [
      payload.text,
      ...payload.blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => e.text)]),
    ];
    for (const t of texts) {
      assert.doesNotMatch(t, /<[!@#]/, 'no Slack control sequence survives');
      assert.doesNotMatch(t, /<https?:/, 'no injected link');
      assert.doesNotMatch(t, /<img/);
      assert.doesNotMatch(t, /@here\b/, 'bare @here is broken by a word joiner');
      assert.doesNotMatch(t, /[\r]|\nBcc/, 'no raw CR, no forged line');
      assert.doesNotMatch(t, /\*bold\*|_it_|~s~|`code`|www\.evil|evil-example\.com|https?:\/\//, `no formatting or link from kernel text: ${t.slice(0, 120)}`);
    }
    assert.ok(payload.blocks.length <= SLACK_LIMITS.blocks);
    for (const b of payload.blocks) {
      if (b.type === 'header') assert.ok((b.text?.text.length ?? 0) <= SLACK_LIMITS.headerText);
      if (b.text) assert.ok(b.text.text.length <= SLACK_LIMITS.sectionText, `section ${b.text.text.length} chars`);
      for (const f of b.fields ?? []) assert.ok(f.text.length <= SLACK_LIMITS.fieldText);
    }
    assert.ok(payload.text.length <= SLACK_LIMITS.fallbackText);
    assert.match(body, /…\[\+\d+ chars\]/, 'truncation is visible');
    assert.match(body, /&lt;!channel&gt;/, 'the text is still there, escaped');
    assert.match(
      payload.blocks[1]?.text?.text ?? '',
      /^\u2217bold\u2217&lt;!here&gt; in \uff3fit\uff3f \u223cs\u223c www\u2024evil-example\u2024com \u02cbcode\u02cb /,
      'as look-alikes',
    );
  });
});

test('slack: a burst is grouped into a few paced messages, nothing dropped', async () => {
  await withSlack(async (r, d, _log, clock) => {
    const n = 60;
    await Promise.all(
      Array.from({ length: n }, (_, i) => d.dispatch('oncall', { alert: oomAlert({ fingerprint: `fp${i}`, summary: `victim ${i}` }), args: [] })),
    );
    const seen = (): string[] =>
      r.requests.flatMap((q) => {
        const p = JSON.parse(q.body) as { blocks: Block[] };
        return p.blocks.map((b) => /victim (\d+)/.exec(b.text?.text ?? '')?.[1]).filter((x): x is string => x !== undefined);
      });
    await driveUntil(clock, 'all alerts delivered', () => d.stats().some((s) => s.name === 'oncall' && s.delivered === n));
    // the outbox is empty: nothing is left to send twice
    const ids = seen();
    assert.equal(ids.length, n, 'each alert exactly once');
    assert.equal(new Set(ids).size, n);
    assert.ok(r.requests.length <= 4, `${r.requests.length} messages for a burst of ${n}`);
    for (let i = 1; i < r.requests.length; i++) {
      const gap = (r.requests[i]?.at ?? 0) - (r.requests[i - 1]?.at ?? 0);
      assert.ok(gap >= 1000, `messages ${gap} ms apart on the queue's clock: paced at one per second`);
    }
    const grouped = JSON.parse(r.requests.at(-1)?.body ?? '{}') as { blocks: Block[]; text: string };
    assert.ok(grouped.blocks.length <= SLACK_LIMITS.blocks);
    assert.match(grouped.blocks[0]?.text?.text ?? '', /kernwatch: \d+ alerts \(\d+ firing\)/);
  });
});

test('slack: HTTP 429 is retried no sooner than Retry-After, and counted', async () => {
  await withSlack(async (r, d, _log, clock) => {
    r.replies = [{ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }];
    await d.dispatch('oncall', { alert: oomAlert(), args: [] });
    await retryUntil('the retry scheduled', 5000, () =>
      d.stats().some((x) => x.name === 'oncall' && x.retries === 1) && clock.pending().length === 1 ? true : undefined,
    );
    assert.deepEqual(clock.pending(), [1000], "Retry-After: 1 is a second on the queue's clock (above the fast backoff)");
    clock.advance(999);
    assert.equal(r.requests.length, 1, 'not retried before');
    clock.advance(1);
    await retryUntil('the retry', 10_000, () => (r.requests.length === 2 ? true : undefined));
    assert.equal(r.requests[1]?.at, 1000);
    assert.equal(r.requests[0]?.body, r.requests[1]?.body, 'the same message');
    const s = await retryUntil('the delivery counted', 2000, () => d.stats().find((x) => x.name === 'oncall' && x.delivered === 1));
    assert.equal(s?.failures, 1);
    assert.equal(s?.retries, 1);
    assert.equal(s?.delivered, 1);
    assert.equal(s?.consecutiveFailures, 0);
    assert.equal(s?.failingSince, undefined, 'healthy again');
  });
});

test('slack: a 404 (webhook revoked) is not retried; the drop is counted and logged', async () => {
  await withSlack(async (r, d, log, clock) => {
    r.replies = [{ status: 404, body: 'no_service' }];
    await d.dispatch('oncall', { alert: oomAlert(), args: [] });
    const s = await retryUntil('the drop', 5000, () => d.stats().find((x) => x.name === 'oncall' && x.dropped.rejected === 1));
    assert.equal(s.pending, 0, 'nothing left to retry');
    assert.deepEqual(clock.pending(), [], 'no retry waiting');
    assert.equal(r.requests.length, 1);
    assert.ok(
      log.lines.some((l) => l.level === 'error' && /rejected/.test(l.msg) && !/secret/.test(JSON.stringify(l))),
      'logged without the webhook secret',
    );
  });
});

for (const step of [120_000, -240_000]) {
  test(`slack: two notifiers on one webhook share its pace, on the queues' clock: a wall-clock step of ${step / 1000} s moves it not`, async () => {
    const clock = new FakeClock();
    let wallStep = 0;
    await withDispatcher(
      'slack-shared',
      () => Receiver.start(),
      (r) => `
state_dir: ./state
notifiers:
  db: { type: slack, url: "${r.url}", channel: "#db" }
  web: { type: slack, url: "${r.url}", channel: "#web" }
`,
      ({ server: r, dispatcher: d }) =>
        withWallStep(
          () => wallStep,
          async () => {
            await Promise.all([d.dispatch('db', { alert: oomAlert(), args: [] }), d.dispatch('web', { alert: oomAlert(), args: [] })]);
            // one delivered, the other parked on the shared pace: nothing else can send until the clock moves
            await retryUntil('one message, the other waiting', 5000, () =>
              d.stats().some((s) => s.delivered === 1) && clock.pending().length === 1 ? true : undefined,
            );
            assert.equal(r.requests.length, 1, 'one message at a time on one webhook');
            assert.deepEqual(clock.pending(), [1000], 'the other a second later');
            wallStep = step;
            clock.stepWall(step);
            clock.advance(999);
            assert.equal(r.requests.length, 1);
            clock.advance(1);
            await retryUntil('the second message', 5000, () => r.requests[1]);
            const channels = r.requests.map((q) => (JSON.parse(q.body) as { channel: string }).channel);
            assert.deepEqual(channels.sort(), ['#db', '#web'], 'one message each');
          },
        ),
      { clock },
    );
  });
}

test('slack: blocks Slack refuses (invalid_blocks) fall back to the plain-text message rather than losing the alert', async () => {
  await withSlack(async (r, d) => {
    r.replies = [{ status: 400, body: 'invalid_blocks' }];
    await d.dispatch('oncall', { alert: oomAlert(), args: [] });
    await retryUntil('the plain-text retry', 5000, () => r.requests[1]);
    const plain = JSON.parse(r.requests[1]?.body ?? '{}') as Record<string, unknown>;
    assert.equal(plain.blocks, undefined);
    assert.equal(plain.text, '[FIRING:critical] prod-oom on web-3: java (4242) OOM-killed in /prod/api');
    const s = await retryUntil('the delivery counted', 2000, () => d.stats().find((x) => x.name === 'oncall' && x.delivered === 1));
    assert.equal(s.dropped.rejected, 0);
  });
});

/**
 * Slack through an incoming webhook (@slack/webhook): a Block Kit message
 * with a plain-text fallback. A burst for one channel becomes one message
 * (at most one per min_interval), never a flood and never a drop.
 */
import { IncomingWebhook, IncomingWebhookHTTPError, type IncomingWebhookSendArguments } from '@slack/webhook';
import type { KnownBlock } from '@slack/types';
import type { SlackConfig } from '../config/config';
import type { Alert } from '../engine/alert';
import { DeliveryError, type Delivery, type Notifier } from './notifier';
import { contextParts, fieldParts, stateWord, title } from './render';
import { fit, slackCode, slackText, visible } from './escape';
import { httpError, redact } from './http';

/** Block Kit limits (api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  headerText: 150,
  contextText: 2000,
  fallbackText: 3000,
  buttonUrl: 3000,
} as const;

/** Alerts in one grouped message: one section each, plus header and context, under 50 blocks. */
export const SLACK_MAX_BATCH = 40;
/** Longest raw field value shown; the code span and escaping come on top. */
const FIELD_VALUE = 300;

const EMOJI = { firing: '🔥', resolved: '✅' } as const;

function plain(text: string): { type: 'plain_text'; text: string; emoji: boolean } {
  return { type: 'plain_text', text, emoji: true };
}

function mrkdwn(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text };
}

/** A link Slack shows as a button: only our config's or the rule's own URLs, never kernel text. */
function linkButtons(a: Alert): KnownBlock[] {
  const buttons = [
    ...(a.runbookUrl ? [{ text: 'Runbook', url: a.runbookUrl, id: 'runbook' }] : []),
    ...(a.sourceUrl ? [{ text: 'Rule', url: a.sourceUrl, id: 'rule' }] : []),
  ];
  if (buttons.length === 0) return [];
  return [
    {
      type: 'actions',
      elements: buttons.map((b) => ({ type: 'button' as const, text: plain(b.text), url: fit(b.url, SLACK_LIMITS.buttonUrl), action_id: b.id })),
    },
  ];
}

function singleBlocks(a: Alert): KnownBlock[] {
  const header = fit(`${EMOJI[a.state]} ${title(a)}`, SLACK_LIMITS.headerText, visible);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(header) },
    { type: 'section', text: mrkdwn(fit(a.summary, SLACK_LIMITS.sectionText, slackText)) },
  ];
  if (a.description) blocks.push({ type: 'section', text: mrkdwn(fit(a.description, SLACK_LIMITS.sectionText, slackText)) });
  const { key, details } = fieldParts(a);
  const fields = [
    `*Severity*\n${a.severity}`,
    `*Host*\n${slackCode(fit(a.host, FIELD_VALUE))}`,
    ...key.map((f) => `*${slackText(f.name)}*\n${slackCode(fit(f.text, FIELD_VALUE))}`),
  ].map((t) => mrkdwn(fit(t, SLACK_LIMITS.fieldText)));
  for (let i = 0; i < fields.length && i < 2 * SLACK_LIMITS.fieldsPerSection; i += SLACK_LIMITS.fieldsPerSection) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + SLACK_LIMITS.fieldsPerSection) });
  }
  blocks.push(...linkButtons(a));
  // the details a person rarely needs: small print under the fields
  if (details.length > 0) {
    const text = details.map((f) => `${slackText(f.name)} ${slackCode(fit(f.text, 120))}`).join(' · ');
    blocks.push({ type: 'context', elements: [mrkdwn(fit(text, SLACK_LIMITS.contextText))] });
  }
  blocks.push({ type: 'context', elements: [mrkdwn(fit(contextParts(a).join(' · '), SLACK_LIMITS.contextText, slackText))] });
  return blocks;
}

/** One alert in a grouped message: title, summary and the key fields on one line. */
function groupSection(a: Alert): KnownBlock {
  const fields = fieldParts(a)
    .key.slice(0, 8)
    .map((f) => `${slackText(f.name)} ${slackCode(fit(f.text, 120))}`)
    .join(' · ');
  const head = `${EMOJI[a.state]} *${slackText(title(a))}*`;
  const summary = fit(a.summary, 1200, slackText);
  return { type: 'section', text: mrkdwn(fit(`${head}\n${summary}\n${fields}`, SLACK_LIMITS.sectionText)) };
}

function groupHeader(alerts: readonly Alert[]): string {
  const firing = alerts.filter((a) => a.state === 'firing').length;
  const resolved = alerts.length - firing;
  const parts = [firing > 0 ? `${firing} firing` : '', resolved > 0 ? `${resolved} resolved` : ''].filter(Boolean);
  return `${firing > 0 ? EMOJI.firing : EMOJI.resolved} kernwatch: ${alerts.length} alerts (${parts.join(', ')})`;
}

/** The exact payload for one send: a pure function of the batch and the settings. */
export function slackMessage(batch: readonly Delivery[], config: SlackConfig): IncomingWebhookSendArguments {
  const alerts = batch.map((d) => d.alert);
  const first = alerts[0];
  if (!first) throw new Error('empty batch');
  const channel = batch[0]?.args[0] ?? config.channel;
  let blocks: KnownBlock[];
  let text: string;
  if (alerts.length === 1) {
    blocks = singleBlocks(first);
    text = `${title(first)}: ${first.summary}`;
  } else {
    const shown = alerts.slice(0, SLACK_LIMITS.blocks - 2);
    blocks = [{ type: 'header', text: plain(fit(groupHeader(alerts), SLACK_LIMITS.headerText)) }, ...shown.map(groupSection)];
    const keys = batch.map((d) => d.key.slice(0, 8)).join(' ');
    blocks.push({ type: 'context', elements: [mrkdwn(fit(`keys ${keys}`, SLACK_LIMITS.contextText))] });
    text = `${groupHeader(alerts)}: ${alerts.map((a) => `[${stateWord(a)}:${a.severity}] ${a.rule}`).join(', ')}`;
  }
  return {
    text: fit(text, SLACK_LIMITS.fallbackText, slackText),
    blocks,
    ...(channel ? { channel } : {}),
    ...(config.username ? { username: config.username } : {}),
    ...(config.iconEmoji ? { icon_emoji: config.iconEmoji } : {}),
    unfurl_links: false,
    unfurl_media: false,
  };
}

export class SlackNotifier implements Notifier {
  readonly type = 'slack';
  readonly name: string;
  readonly maxBatch = SLACK_MAX_BATCH;
  readonly minIntervalMs: number;
  /** Slack's limit is per webhook, and two notifiers (two channels) may share one: the queue's pacer paces them together */
  readonly paceKey: string;
  private readonly webhook: IncomingWebhook;
  /** Retry-After of the last response; @slack/webhook's error does not carry headers */
  private lastRetryAfter: string | null = null;

  constructor(
    private readonly config: SlackConfig,
    /** for a Retry-After date, made a delay when the answer arrives */
    private readonly wallNow: () => number = Date.now,
  ) {
    this.name = config.name;
    this.minIntervalMs = config.minIntervalMs;
    this.paceKey = `slack ${config.url}`;
    this.webhook = new IncomingWebhook(config.url, {
      timeout: config.timeoutMs,
      // retries are ours: durable, paced and counted
      retryConfig: { retries: 0 },
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        this.lastRetryAfter = response.headers.get('retry-after');
        return response;
      },
    });
  }

  batchKey(d: Delivery): string {
    return d.args[0] ?? '';
  }

  render(d: Delivery): void {
    slackMessage([d], this.config);
  }

  async send(batch: readonly Delivery[]): Promise<void> {
    this.lastRetryAfter = null;
    const message = slackMessage(batch, this.config);
    try {
      try {
        await this.webhook.send(message);
      } catch (e) {
        // blocks Slack will not take (a limit it changed, a case we missed) must not cost the page: say it in plain text
        if (!(e instanceof IncomingWebhookHTTPError && e.statusCode === 400 && /invalid_blocks|invalid_payload/.test(e.body))) throw e;
        const { blocks: _blocks, ...plainOnly } = message;
        await this.webhook.send(plainOnly);
      }
    } catch (e) {
      if (e instanceof IncomingWebhookHTTPError) {
        throw httpError(this.config.url, e.statusCode, e.body, this.lastRetryAfter, this.wallNow());
      }
      const original = (e as { original?: { cause?: { code?: string }; name?: string } }).original;
      const why = original?.cause?.code ?? original?.name ?? String(e);
      throw new DeliveryError(`${redact(this.config.url)}: ${why === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : why}`, true);
    }
  }

  async close(): Promise<void> {}
}

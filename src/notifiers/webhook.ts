/**
 * Generic webhook: the alert as JSON, POSTed with an HMAC-SHA256 signature
 * over "<timestamp>.<body>" so the receiver can check origin and freshness,
 * and an Idempotency-Key so it can recognise a retry.
 */
import { createHmac } from 'node:crypto';
import type { WebhookConfig } from '../config/config';
import type { Delivery, Notifier } from './notifier';
import { deliveryJson } from './stdout';
import { post } from './http';

export const SIGNATURE_HEADER = 'X-Kernwatch-Signature';
export const TIMESTAMP_HEADER = 'X-Kernwatch-Timestamp';

export function webhookBody(d: Delivery): string {
  return JSON.stringify({ version: 1, ...deliveryJson(d) });
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookNotifier implements Notifier {
  readonly type = 'webhook';
  readonly name: string;
  readonly maxBatch = 1;
  readonly minIntervalMs = 0;

  constructor(
    private readonly config: WebhookConfig,
    /** the signed timestamp is wall time: the receiver checks freshness against its own clock */
    private readonly wallNow: () => number = Date.now,
  ) {
    this.name = config.name;
  }

  batchKey(): string {
    return '';
  }

  render(d: Delivery): void {
    webhookBody(d);
  }

  async send(batch: readonly Delivery[]): Promise<void> {
    for (const d of batch) {
      const body = webhookBody(d);
      const timestamp = String(Math.floor(this.wallNow() / 1000));
      await post(
        this.config.url,
        body,
        {
          ...this.config.headers,
          'Content-Type': 'application/json',
          'User-Agent': 'kernwatch',
          'Idempotency-Key': d.key,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: sign(this.config.secret, timestamp, body),
        },
        this.config.timeoutMs,
        this.wallNow,
      );
    }
  }

  async close(): Promise<void> {}
}

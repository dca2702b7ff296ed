/** HTTP outcomes as delivery errors: which statuses are worth retrying, and when. */
import { parseRetryAfter } from './backoff';
import { DeliveryError } from './notifier';

/** 408, 425, 429 and 5xx may succeed later; any other 4xx will not. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export function httpError(url: string, status: number, body: string, retryAfter: string | null, now: number): DeliveryError {
  const snippet = body.replace(/\s+/g, ' ').slice(0, 200);
  return new DeliveryError(
    `${redact(url)}: HTTP ${status}${snippet ? `: ${snippet}` : ''}`,
    retryableStatus(status),
    parseRetryAfter(retryAfter, now),
  );
}

/** A webhook URL is a secret (Slack's is the credential): show scheme and host only. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '<url>';
  }
}

/** POST a body; resolves on 2xx, throws DeliveryError otherwise. */
export async function post(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new DeliveryError(`${redact(url)}: ${cause === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause}`, true);
  }
  const text = await response.text().catch(() => '');
  if (response.status >= 200 && response.status < 300) return;
  throw httpError(url, response.status, text, response.headers.get('retry-after'), now());
}

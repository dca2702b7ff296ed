/** HTTP outcomes as delivery errors: which statuses are worth retrying, and when. */
import { parseRetryAfter } from './backoff';
import { DeliveryError } from './notifier';

/** 408, 425, 429 and 5xx may succeed later; any other 4xx will not. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * `wallNow` is the wall clock when the answer arrived: a Retry-After date is
 * made a delay there, once, and the queue waits it out on its monotonic clock.
 */
export function httpError(url: string, status: number, body: string, retryAfter: string | null, wallNow: number): DeliveryError {
  const snippet = body.replace(/\s+/g, ' ').slice(0, 200);
  return new DeliveryError(`${redact(url)}: HTTP ${status}${snippet ? `: ${snippet}` : ''}`, retryableStatus(status), parseRetryAfter(retryAfter, wallNow));
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

/**
 * `https://user:pass@host/` as fetch() takes it: without the credentials in
 * the URL (fetch refuses those) and with them as HTTP basic auth.
 */
export function withBasicAuth(url: string, headers: Readonly<Record<string, string>>): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { url, headers: { ...headers } };
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers: { ...headers, Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}

/** POST a body; resolves on 2xx, throws DeliveryError otherwise. */
export async function post(
  rawUrl: string,
  body: string,
  rawHeaders: Readonly<Record<string, string>>,
  timeoutMs: number,
  wallNow: () => number = Date.now,
): Promise<void> {
  let response: Response;
  let request: { url: string; headers: Record<string, string> };
  try {
    request = withBasicAuth(rawUrl, rawHeaders);
  } catch {
    throw new DeliveryError(`${redact(rawUrl)}: not a URL`, false);
  }
  const { url, headers } = request;
  try {
    response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    // a TypeError is the request itself (a header or URL fetch will never take): retrying cannot help
    const retryable = !(e instanceof TypeError && (e as { cause?: unknown }).cause === undefined);
    // its message may quote the URL or a header: it is not repeated
    const why = cause === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : retryable ? cause : 'the request cannot be built (an invalid header or URL)';
    throw new DeliveryError(`${redact(url)}: ${why}`, retryable);
  }
  const text = await response.text().catch(() => '');
  if (response.status >= 200 && response.status < 300) return;
  throw httpError(url, response.status, text, response.headers.get('retry-after'), wallNow());
}

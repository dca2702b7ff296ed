/** `type: webhook`: a signed JSON POST. */
import { isHttpUrl } from '../formats';
import { SECRET_FILE, SECRET_NAME, URL, type NotifierCommon, type NotifierKind } from './kind';

export interface WebhookConfig extends NotifierCommon {
  readonly type: 'webhook';
  readonly url: string;
  /** HMAC-SHA256 key for the X-Kernwatch-Signature header */
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
}

export const webhook: NotifierKind<WebhookConfig> = {
  type: 'webhook',
  schema: {
    properties: {
      url: URL,
      url_env: SECRET_NAME,
      url_file: SECRET_FILE,
      secret: { type: 'string', minLength: 16 },
      secret_env: SECRET_NAME,
      secret_file: SECRET_FILE,
      headers: {
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z0-9-]+$', errorMessage: 'a header name is letters, digits and -' },
        additionalProperties: { type: 'string', pattern: '^[^\\r\\n]*$', errorMessage: 'a header value cannot contain a line break' },
      },
    },
  },
  build(n, at, common, b) {
    const url = b.secret(n, at, 'url', true, isHttpUrl, 'a URL');
    const secret = b.secret(n, at, 'secret', true, (s) => s.length >= 16, 'at least 16 characters');
    if (url === undefined || secret === undefined) return undefined;
    return { ...common, type: 'webhook', url, secret, headers: (n.headers as Record<string, string> | undefined) ?? {} };
  },
};

/** `type: slack`: an incoming webhook; a rule may name one channel, `then oncall("#db")`. */
import { isHttpUrl, isSlackChannel } from '../formats';
import { DURATION, SECRET_FILE, SECRET_NAME, URL, type NotifierCommon, type NotifierKind } from './kind';

export interface SlackConfig extends NotifierCommon {
  readonly type: 'slack';
  readonly url: string;
  readonly channel?: string;
  readonly username?: string;
  readonly iconEmoji?: string;
  /** at most one message per this interval; a burst in between is grouped */
  readonly minIntervalMs: number;
}

const CHANNEL = { type: 'string', pattern: '^[#@][A-Za-z0-9._-]{1,80}$', errorMessage: 'must be a Slack channel with its # (#oncall), or @user' };

export const slack: NotifierKind<SlackConfig> = {
  type: 'slack',
  schema: {
    properties: {
      url: URL,
      url_env: SECRET_NAME,
      url_file: SECRET_FILE,
      channel: CHANNEL,
      username: { type: 'string', minLength: 1, maxLength: 80 },
      icon_emoji: { type: 'string', pattern: '^:[a-z0-9_+-]+:$', errorMessage: 'must be an emoji name such as :rotating_light:' },
      min_interval: DURATION,
    },
  },
  build(n, at, common, b) {
    const url = b.secret(n, at, 'url', true, isHttpUrl, 'a URL');
    if (url === undefined) return undefined;
    return {
      ...common,
      type: 'slack',
      url,
      channel: n.channel as string | undefined,
      username: n.username as string | undefined,
      iconEmoji: n.icon_emoji as string | undefined,
      minIntervalMs: b.duration(n, at, 'min_interval', 1000, 0),
    };
  },
  checkArgs(name, args) {
    if (args.length > 1) return `slack notifier '${name}' takes one channel, got ${args.length} arguments`;
    if (args[0] !== undefined && !isSlackChannel(args[0])) return `'${args[0]}' is not a Slack channel: write it with its # ("#oncall") or as "@user"`;
    return undefined;
  },
};

/**
 * What a rule's `then name(args...)` may say, given the config: the rule
 * checker calls this so a typo in a notifier name or a recipient fails at
 * `rules check`, not at 3 a.m.
 */
import { didYouMean, type CheckOptions } from '../dsl';
import type { Config } from './config';
import { isEmailAddress, isSlackChannel } from './formats';

/** undefined when the action is fine, else the message for the diagnostic. */
export function checkAction(config: Config, notifier: string, args: readonly string[]): string | undefined {
  const n = config.notifiers.get(notifier);
  if (!n) {
    const known = [...config.notifiers.keys()].sort();
    return `unknown notifier '${notifier}'${didYouMean(notifier, known)}; configured: ${known.join(', ')}`;
  }
  switch (n.type) {
    case 'slack':
      if (args.length > 1) return `slack notifier '${notifier}' takes one channel, got ${args.length} arguments`;
      if (args[0] !== undefined && !isSlackChannel(args[0])) return `'${args[0]}' is not a Slack channel: write it with its # ("#oncall") or as "@user"`;
      return undefined;
    case 'email': {
      const bad = args.find((a) => !isEmailAddress(a));
      return bad !== undefined ? `'${bad}' is not an email address` : undefined;
    }
    default:
      return args.length > 0 ? `${n.type} notifier '${notifier}' takes no arguments` : undefined;
  }
}

/** What the rule checker needs of a config: its notifier names and the check above; nothing without one. */
export function checkOptionsFor(config: Config | undefined): CheckOptions {
  return config ? { notifiers: new Set(config.notifiers.keys()), checkAction: (n, a) => checkAction(config, n, a) } : {};
}

/**
 * What a rule's `then name(args...)` may say, given the config: the rule
 * checker calls this so a typo in a notifier name or a recipient fails at
 * `rules check`, not at 3 a.m.
 */
import { didYouMean, type CheckOptions } from '../dsl';
import type { Config } from './config';
import { NOTIFIER_KINDS } from './notifiers/all';

/** undefined when the action is fine, else the message for the diagnostic. */
export function checkAction(config: Config, notifier: string, args: readonly string[]): string | undefined {
  const n = config.notifiers.get(notifier);
  if (!n) {
    const known = [...config.notifiers.keys()].sort();
    return `unknown notifier '${notifier}'${didYouMean(notifier, known)}; configured: ${known.join(', ')}`;
  }
  const kind = NOTIFIER_KINDS.find((k) => k.type === n.type);
  if (kind?.checkArgs) return kind.checkArgs(notifier, args);
  return args.length > 0 ? `${n.type} notifier '${notifier}' takes no arguments` : undefined;
}

/** What the rule checker needs of a config: its notifier names and the check above; nothing without one. */
export function checkOptionsFor(config: Config | undefined): CheckOptions {
  return config ? { notifiers: new Set(config.notifiers.keys()), checkAction: (n, a) => checkAction(config, n, a) } : {};
}

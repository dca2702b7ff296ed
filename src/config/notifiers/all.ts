/**
 * Every notifier type, in the order the config's messages list them.
 * A new type is its module beside these and one line here (and its
 * notifier, which src/notifiers/create_notifier.ts's switch must name: the
 * compiler says so).
 */
import type { NotifierKind } from './kind';
import { alertmanager } from './alertmanager';
import { email } from './email';
import { slack } from './slack';
import { stdout } from './stdout';
import { webhook } from './webhook';

export const NOTIFIER_KINDS = [slack, email, webhook, alertmanager, stdout] as const;

type ConfigOf<K> = K extends NotifierKind<infer C> ? C : never;
export type NotifierConfig = ConfigOf<(typeof NOTIFIER_KINDS)[number]>;
export type NotifierType = NotifierConfig['type'];

/** Any type's kind, as the loader and the rule checker use it. */
export type AnyNotifierKind = NotifierKind<NotifierConfig>;

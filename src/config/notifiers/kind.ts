/**
 * What a notifier type declares, in one module per type (slack.ts,
 * email.ts, ...; the list is all.ts): its settings' JSON schema, the
 * builder from those settings to its typed config, and what a rule's
 * `then name(args...)` may pass it. The config schema, the config loader
 * and the rule checker are made from these; the notifier itself is made
 * from the config by src/notifiers/create_notifier.ts, whose switch the
 * compiler holds to this list.
 */
import type { Severity } from '../../dsl';
import type { OutboxSettings } from '../config';

/** Settings every notifier has, made by the loader before the type's own builder runs. */
export interface NotifierCommon {
  readonly name: string;
  /** send a notification when the alert resolves */
  readonly sendResolved: boolean;
  /** alerts below this severity are not sent here (the pager takes `critical`, the chat channel all) */
  readonly minSeverity: Severity;
  /** per delivery attempt */
  readonly timeoutMs: number;
  readonly outbox: OutboxSettings;
}

export type Raw = Readonly<Record<string, unknown>>;
/** Where a setting is in the file: `['notifiers', 'oncall', 'url']` */
export type SettingPath = readonly (string | number)[];

/** What a builder may ask of the loader; every problem it reports is located by its path. */
export interface BuildContext {
  problem(at: SettingPath, message: string): void;
  /** A secret given inline as `key`, by environment variable as `key_env`, or in a file as `key_file`: exactly one. */
  secret(n: Raw, at: SettingPath, key: string, required: boolean, valid?: (s: string) => boolean, what?: string): string | undefined;
  /** A duration setting in ms, at least `minMs`. */
  duration(n: Raw, at: SettingPath, key: string, fallback: number, minMs: number): number;
  /** A file named by a setting, relative to the config file. */
  readFile(at: SettingPath, file: string): string | undefined;
}

/** A JSON schema node; `errorMessage` is the line a mistake there gets (editors that read the schema show it too). */
export type SchemaNode = Readonly<Record<string, unknown>>;

export interface NotifierKind<C extends NotifierCommon & { readonly type: string }> {
  readonly type: C['type'];
  /** its own settings (the common ones are added), and which of them are required */
  readonly schema: { readonly properties: Readonly<Record<string, SchemaNode>>; readonly required?: readonly string[] };
  /** Settings the schema accepted, to the typed config; undefined when a problem was reported. */
  build(n: Raw, at: SettingPath, common: NotifierCommon, b: BuildContext): C | undefined;
  /** Why `then name(args...)` cannot be sent, or undefined. Without it the type takes no arguments. */
  checkArgs?(name: string, args: readonly string[]): string | undefined;
}

/** Schema nodes the types share, defined once in config_schema.ts. */
export const DURATION: SchemaNode = { $ref: '#/definitions/duration' };
export const SECRET_NAME: SchemaNode = { $ref: '#/definitions/secretName' };
export const SECRET_FILE: SchemaNode = { $ref: '#/definitions/secretFile' };
export const EMAIL_ADDRESS: SchemaNode = { $ref: '#/definitions/email' };
export const URL: SchemaNode = { type: 'string', format: 'url' };

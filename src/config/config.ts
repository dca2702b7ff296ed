/**
 * The validated, secret-resolved form of kernwatch.yaml. Everything here is
 * plain data: durations in milliseconds, paths absolute, secrets read.
 */
import type { NotifierConfig } from './notifiers/all';

export interface OutboxSettings {
  /** pending notifications kept on disk; beyond it the oldest are dropped and counted */
  readonly maxEntries: number;
  /** a notification older than this is dropped (counted) rather than delivered late */
  readonly maxAgeMs: number;
}

// each notifier type's config is declared beside its schema and builder, in ./notifiers/
export type { NotifierConfig, NotifierType } from './notifiers/all';
export type { AlertmanagerConfig } from './notifiers/alertmanager';
export type { EmailConfig } from './notifiers/email';
export type { SlackConfig } from './notifiers/slack';
export type { StdoutConfig } from './notifiers/stdout';
export type { WebhookConfig } from './notifiers/webhook';

/** `kernwatch run`'s own alerts: one per condition, re-sent at most every repeatIntervalMs */
export interface SelfAlertSettings {
  /** notifiers that receive them */
  readonly notify: readonly string[];
  /** more than this share (0-100) of the kernel's records lost over lostWindowMs */
  readonly lostPercent: number;
  readonly lostWindowMs: number;
  /** a notifier failing this long without a success */
  readonly notifierFailingForMs: number;
  readonly repeatIntervalMs: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  /** absolute path of the file read, undefined for the built-in defaults */
  readonly file?: string;
  /** host name put on every alert */
  readonly host: string;
  /** where outboxes and the alert state live */
  readonly stateDir: string;
  /** `https://git.example.com/rules/blob/main/{file}#L{line}`: where alerts link to their rule */
  readonly ruleSourceUrl?: string;
  /** the kernel's ring buffer of records, bytes (a power of two, at least a page) */
  readonly ringBytes: number;
  /** records handed to userspace and not yet evaluated, per ring, at most (bytes): the rest waits in the kernel's ring */
  readonly recordsInFlightBytes: number;
  /** rule files and directories for `kernwatch run`, absolute */
  readonly rules: readonly string[];
  /** address of the Prometheus /metrics endpoint, e.g. "127.0.0.1:9469"; absent = off */
  readonly metricsListen?: string;
  /** by name; always holds `stdout` */
  readonly notifiers: ReadonlyMap<string, NotifierConfig>;
  readonly selfAlerts: SelfAlertSettings;
  /** of `kernwatch run`'s JSON log on stderr */
  readonly logLevel: LogLevel;
}

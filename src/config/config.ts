/**
 * The validated, secret-resolved form of kernwatch.yaml. Everything here is
 * plain data: durations in milliseconds, paths absolute, secrets read.
 */
import type { Severity } from '../dsl';

export type NotifierType = 'slack' | 'email' | 'webhook' | 'alertmanager' | 'stdout';

export interface OutboxSettings {
  /** pending notifications kept on disk; beyond it the oldest are dropped and counted */
  readonly maxEntries: number;
  /** a notification older than this is dropped (counted) rather than delivered late */
  readonly maxAgeMs: number;
}

interface NotifierCommon {
  readonly name: string;
  /** send a notification when the alert resolves */
  readonly sendResolved: boolean;
  /** alerts below this severity are not sent here (the pager takes `critical`, the chat channel all) */
  readonly minSeverity: Severity;
  /** per delivery attempt */
  readonly timeoutMs: number;
  readonly outbox: OutboxSettings;
}

export interface SlackConfig extends NotifierCommon {
  readonly type: 'slack';
  readonly url: string;
  readonly channel?: string;
  readonly username?: string;
  readonly iconEmoji?: string;
  /** at most one message per this interval; a burst in between is grouped */
  readonly minIntervalMs: number;
}

export type SmtpTls = 'starttls' | 'tls' | 'none';

export interface EmailConfig extends NotifierCommon {
  readonly type: 'email';
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly tls: SmtpTls;
    readonly tlsVerify: boolean;
    readonly ca?: string;
    readonly user?: string;
    readonly password?: string;
  };
  readonly from: string;
  readonly to: readonly string[];
}

export interface WebhookConfig extends NotifierCommon {
  readonly type: 'webhook';
  readonly url: string;
  /** HMAC-SHA256 key for the X-Kernwatch-Signature header */
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface AlertmanagerConfig extends NotifierCommon {
  readonly type: 'alertmanager';
  /** every member of the Alertmanager cluster, as Prometheus does it */
  readonly urls: readonly string[];
  /** active alerts are re-sent this often, well inside resolve_timeout */
  readonly resendIntervalMs: number;
}

export interface StdoutConfig extends NotifierCommon {
  readonly type: 'stdout';
  readonly format: 'json' | 'text';
}

export type NotifierConfig = SlackConfig | EmailConfig | WebhookConfig | AlertmanagerConfig | StdoutConfig;

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

/**
 * Email through nodemailer over SMTP: a one-line subject, a text part and
 * an HTML part, every kernel string escaped for its part. Every notification
 * has its own Message-ID, made from the alert's identity and the time of the
 * notification: a re-delivery of one mail has the same ID, a repeat or a
 * resolution a new one, threaded under the first mail (In-Reply-To,
 * References) so a mail client shows one alert's story as one thread.
 */
import * as nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { EmailConfig } from '../config/config';
import type { Alert } from '../engine/alert';
import { DeliveryError, type Delivery, type Notifier } from './notifier';
import { contextParts, fieldParts, title } from './render';
import { fit, headerText, html, visible } from './escape';

/** RFC 5322 allows 998 per line; clients show far less. */
export const SUBJECT_MAX = 200;
const VALUE_MAX = 1024;
const SUMMARY_MAX = 4000;

export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly messageId: string;
  readonly inReplyTo?: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The first mail of an alert: the root every later one replies to. */
function threadRootId(a: Alert): string {
  return `<kernwatch.${a.fingerprint.replace(/[^A-Za-z0-9]/g, '')}.${a.startsAt}@${mailDomain(a.host)}>`;
}

function isThreadRoot(a: Alert): boolean {
  return a.state === 'firing' && a.at === a.startsAt;
}

function messageId(a: Alert): string {
  if (isThreadRoot(a)) return threadRootId(a);
  const what = a.state === 'resolved' ? 'resolved' : 'repeat';
  return `<kernwatch.${a.fingerprint.replace(/[^A-Za-z0-9]/g, '')}.${a.startsAt}.${what}.${a.at}@${mailDomain(a.host)}>`;
}

function mailDomain(host: string): string {
  return host.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 63) || 'localhost';
}

/** Subject like `[FIRING:critical] prod-oom on web-3: java (4242) OOM-killed in /prod/api`. */
export function emailMessage(d: Delivery): EmailMessage {
  const a = d.alert;
  const { key, details } = fieldParts(a);
  const links: [string, string][] = [
    ...(a.runbookUrl ? [['Runbook', a.runbookUrl] as [string, string]] : []),
    ...(a.sourceUrl ? [['Rule', a.sourceUrl] as [string, string]] : []),
  ];
  const text = [
    title(a),
    '',
    fit(a.summary, SUMMARY_MAX, visible),
    '',
    ...(a.description ? [fit(a.description, SUMMARY_MAX, visible), ''] : []),
    ...key.map((f) => `${f.name}: ${fit(f.text, VALUE_MAX, visible)}`),
    '',
    ...links.map(([what, url]) => `${what}: ${url}`),
    ...(links.length ? [''] : []),
    ...(details.length ? ['Details:', ...details.map((f) => `  ${f.name}: ${fit(f.text, VALUE_MAX, visible)}`), ''] : []),
    ...contextParts(a),
    `key: ${d.key}`,
    '',
  ].join('\n');
  const color = a.state === 'resolved' ? '#2e7d32' : a.severity === 'critical' ? '#c62828' : a.severity === 'warning' ? '#ef6c00' : '#1565c0';
  const rows = (lines: typeof key): string =>
    lines
      .map((f) => `<tr><th align="left" style="padding:2px 12px 2px 0">${html(f.name)}</th><td><code>${fit(f.text, VALUE_MAX, html)}</code></td></tr>`)
      .join('');
  const body = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="color:${color};margin:0 0 8px">${html(title(a))}</h2>`,
    `<p style="white-space:pre-wrap">${fit(a.summary, SUMMARY_MAX, html)}</p>`,
    ...(a.description ? [`<p style="white-space:pre-wrap">${fit(a.description, SUMMARY_MAX, html)}</p>`] : []),
    `<table>${rows(key)}</table>`,
    ...(links.length ? [`<p>${links.map(([what, url]) => `<a href="${html(url ?? '')}">${html(what ?? '')}</a>`).join(' · ')}</p>`] : []),
    ...(details.length
      ? [`<details><summary style="color:#666">Details</summary><table style="color:#666;font-size:small">${rows(details)}</table></details>`]
      : []),
    `<p style="color:#666;font-size:small">${contextParts(a).map(html).join(' · ')}<br>key ${html(d.key)}</p>`,
    '</body></html>',
  ].join('\n');
  return {
    subject: headerText(`${title(a)}: ${a.summary}`, SUBJECT_MAX),
    text,
    html: body,
    messageId: messageId(a),
    ...(isThreadRoot(a) ? {} : { inReplyTo: threadRootId(a) }),
    headers: { 'X-Kernwatch-Key': d.key, 'X-Kernwatch-Fingerprint': headerText(a.fingerprint, 128) },
  };
}

export class EmailNotifier implements Notifier {
  readonly type = 'email';
  readonly name: string;
  readonly maxBatch = 1;
  readonly minIntervalMs = 0;
  private readonly transport: Transporter;

  constructor(private readonly config: EmailConfig) {
    this.name = config.name;
    const s = config.smtp;
    this.transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.tls === 'tls',
      requireTLS: s.tls === 'starttls',
      ignoreTLS: s.tls === 'none',
      ...(s.user !== undefined ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
      tls: { rejectUnauthorized: s.tlsVerify, ...(s.ca ? { ca: s.ca } : {}) },
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
      dnsTimeout: config.timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  batchKey(d: Delivery): string {
    return d.args.join(',');
  }

  render(d: Delivery): void {
    emailMessage(d);
  }

  async send(batch: readonly Delivery[]): Promise<void> {
    for (const d of batch) {
      const m = emailMessage(d);
      try {
        await this.transport.sendMail({
          from: this.config.from,
          to: d.args.length > 0 ? [...d.args] : [...this.config.to],
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: m.messageId,
          ...(m.inReplyTo ? { inReplyTo: m.inReplyTo, references: [m.inReplyTo] } : {}),
          headers: m.headers,
        });
      } catch (e) {
        const err = e as { responseCode?: number; code?: string; message?: string };
        // 5xx is the server's final word; 4xx and connection trouble may pass
        const permanent = err.responseCode !== undefined && err.responseCode >= 500;
        const what = err.responseCode !== undefined ? `SMTP ${err.responseCode}` : (err.code ?? 'error');
        throw new DeliveryError(`${this.config.smtp.host}:${this.config.smtp.port}: ${what}: ${(err.message ?? '').slice(0, 200)}`, !permanent);
      }
    }
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}

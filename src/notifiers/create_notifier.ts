/** Config to notifier: the one place that knows every type. */
import type { Writable } from 'node:stream';
import type { NotifierConfig } from '../config/config';
import type { Notifier } from './notifier';
import { SlackNotifier } from './slack';
import { EmailNotifier } from './email';
import { WebhookNotifier } from './webhook';
import { AlertmanagerNotifier } from './alertmanager';
import { StdoutNotifier } from './stdout';

export function createNotifier(config: NotifierConfig, stdout?: Writable): Notifier {
  switch (config.type) {
    case 'slack':
      return new SlackNotifier(config);
    case 'email':
      return new EmailNotifier(config);
    case 'webhook':
      return new WebhookNotifier(config);
    case 'alertmanager':
      return new AlertmanagerNotifier(config);
    case 'stdout':
      return new StdoutNotifier(config, stdout);
  }
}

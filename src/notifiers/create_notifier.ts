/** Config to notifier: the one place that knows every type. */
import type { Writable } from 'node:stream';
import type { NotifierConfig } from '../config/config';
import type { Notifier } from './notifier';
import { systemClock, type Clock } from './clock';
import { SlackNotifier } from './slack';
import { EmailNotifier } from './email';
import { WebhookNotifier } from './webhook';
import { AlertmanagerNotifier } from './alertmanager';
import { StdoutNotifier } from './stdout';

/** `clock` gives the notifiers the wall time they send (a signed timestamp, endsAt); their waits are the queue's. */
export function createNotifier(config: NotifierConfig, stdout?: Writable, clock: Clock = systemClock): Notifier {
  const wallNow = (): number => clock.wallNow();
  switch (config.type) {
    case 'slack':
      return new SlackNotifier(config, wallNow);
    case 'email':
      return new EmailNotifier(config);
    case 'webhook':
      return new WebhookNotifier(config, wallNow);
    case 'alertmanager':
      return new AlertmanagerNotifier(config, wallNow);
    case 'stdout':
      return new StdoutNotifier(config, stdout);
  }
}

/** `type: alertmanager`: every member of an Alertmanager cluster, as Prometheus sends to it. */
import { DURATION, URL, type NotifierCommon, type NotifierKind } from './kind';

export interface AlertmanagerConfig extends NotifierCommon {
  readonly type: 'alertmanager';
  /** every member of the Alertmanager cluster, as Prometheus does it */
  readonly urls: readonly string[];
  /** active alerts are re-sent this often, well inside resolve_timeout */
  readonly resendIntervalMs: number;
}

export const alertmanager: NotifierKind<AlertmanagerConfig> = {
  type: 'alertmanager',
  schema: {
    required: ['urls'],
    properties: {
      urls: { type: 'array', minItems: 1, items: URL },
      resend_interval: DURATION,
    },
  },
  build(n, at, common, b) {
    return { ...common, type: 'alertmanager', urls: n.urls as string[], resendIntervalMs: b.duration(n, at, 'resend_interval', 60_000, 1000) };
  },
};

/** How `rules test` shows an alert that would be sent: escaped, with its targets. */
import type { AlertNotice } from '../engine/rule_state';
import { fit, visible } from '../notifiers/escape';
import { contextParts, fieldLines, storableAlert, title } from '../notifiers/render';

export function renderNotice(n: AlertNotice): string {
  const a = n.alert;
  const change = n.change === 'repeat' ? ' (repeat)' : '';
  const targets = n.actions.map((t) => (t.args.length ? `${t.notifier}(${t.args.map((x) => JSON.stringify(x)).join(', ')})` : t.notifier)).join(', ');
  const fields = fieldLines(a)
    .map((f) => `${f.name}=${fit(f.text, 120, visible)}`)
    .join(' ');
  return [
    `${visible(title(a))}${change}`,
    `    ${fit(a.summary, 400, visible)}`,
    ...(fields ? [`    ${fields}`] : []),
    `    ${contextParts(a).join(' · ')}`,
    `    -> ${targets}`,
  ].join('\n');
}

export function noticeJson(n: AlertNotice): Record<string, unknown> {
  return { change: n.change, targets: n.actions.map((t) => ({ notifier: t.notifier, args: t.args })), alert: storableAlert(n.alert) };
}

/**
 * The notifiers' front door for the agent: routes each Notification to
 * the named notifier's durable outbox, and from there a delivery loop per
 * notifier sends it. dispatch() resolves once the notification is on disk.
 *
 *   const d = await Dispatcher.open(config, { log });
 *   await d.dispatch('oncall', { alert, args: ['#oncall'] });
 *   ...; await d.flush(5000); await d.close();
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import type { Config } from '../config/config';
import type { Alert, Notification, Severity } from '../engine/alert';
import { Outbox, idempotencyKey } from './outbox';
import { DeliveryQueue, DEFAULT_QUEUE_OPTIONS, type NotifierStats, type QueueOptions } from './delivery_queue';
import { stderrLogger, type Logger } from './notifier';
import { createNotifier } from './create_notifier';
import type { BackoffPolicy } from './backoff';
import type { Clock } from './clock';
import { Pacer } from './pace';
import { describeErrno } from '../config/text_file';

export interface DispatcherOptions {
  readonly log?: Logger;
  /**
   * false: outboxes in memory only (`rules test --send`); default true, under
   * config.stateDir/outbox/<name>, whose lock the caller holds (src/agent/state_dir_lock.ts)
   */
  readonly durable?: boolean;
  /** the state directory refuses writes (its lock found out): outboxes in memory, said in one line */
  readonly unwritable?: string;
  /** where the stdout notifier writes; default process.stdout */
  readonly stdout?: Writable;
  /** the queues' waits and the outboxes' ages run on its monotonic clock; default the system's */
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
}

export type DispatchOutcome =
  /** on disk (or in memory) and on its way */
  | 'queued'
  /** the same alert transition is already waiting for this notifier */
  | 'duplicate'
  /** a resolution for a notifier configured with send_resolved: false */
  | 'skipped';

export class UnknownNotifierError extends Error {
  override readonly name = 'UnknownNotifierError';
}

/** The state directory cannot be used: another agent holds it, or it cannot be created. One printable line. */
export class StateDirError extends Error {
  override readonly name = 'StateDirError';
}

export class Dispatcher {
  private closed = false;

  private constructor(
    private readonly config: Config,
    private readonly queues: ReadonlyMap<string, DeliveryQueue>,
    private readonly clock: Clock,
  ) {}

  /** Opens every notifier's outbox and starts delivering what a previous run left. */
  static async open(config: Config, options: DispatcherOptions = {}): Promise<Dispatcher> {
    const durable = options.durable ?? true;
    const queueOptions: QueueOptions = {
      ...DEFAULT_QUEUE_OPTIONS,
      log: options.log ?? stderrLogger,
      // one pacer for all: notifiers on one Slack webhook share its pace
      pacer: new Pacer(),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    };
    const outboxRoot = path.join(config.stateDir, 'outbox');
    const log = queueOptions.log;
    const memoryOnly = (reason: string): void =>
      log.error(
        { dir: outboxRoot, reason },
        `cannot write the state directory (${reason}): notifications are kept in memory only, and lost if kernwatch stops before delivering them`,
      );
    let onDisk = durable && options.unwritable === undefined;
    if (durable && options.unwritable !== undefined) memoryOnly(options.unwritable);
    const openQueues = async (root: string | undefined): Promise<Map<string, DeliveryQueue>> => {
      const queues = new Map<string, DeliveryQueue>();
      for (const [name, n] of config.notifiers) {
        // stdout cannot be down; a disk copy of it would only replay old lines
        const dir = root && n.type !== 'stdout' ? path.join(root, name) : undefined;
        queues.set(
          name,
          new DeliveryQueue(createNotifier(n, options.stdout, queueOptions.clock), await Outbox.open(dir, n.outbox, queueOptions.clock), queueOptions),
        );
      }
      return queues;
    };
    let queues: Map<string, DeliveryQueue>;
    try {
      queues = await openQueues(onDisk ? outboxRoot : undefined);
    } catch (e) {
      const reason = unwritableReason(e);
      if (!onDisk) throw e;
      if (!reason) throw new StateDirError(`cannot use ${outboxRoot}: ${(e as NodeJS.ErrnoException).code ?? String((e as Error).message ?? e)}`);
      // an outbox that cannot be made: run from memory rather than not at all
      onDisk = false;
      memoryOnly(reason);
      queues = await openQueues(undefined);
    }
    if (onDisk) warnOrphans(outboxRoot, config, queueOptions.log);
    for (const q of queues.values()) {
      if (q.outbox.size > 0) queueOptions.log.info({ notifier: q.notifier.name, pending: q.outbox.size }, 'delivering notifications left by a previous run');
      q.start();
    }
    return new Dispatcher(config, queues, queueOptions.clock);
  }

  has(notifier: string): boolean {
    return this.queues.has(notifier);
  }

  /**
   * Puts a notification in the named notifier's outbox. Resolves once it is
   * durable; never waits for delivery. Rejects only for an unknown notifier
   * or a closed dispatcher. A disk that fails the write costs durability,
   * not the alert: it is kept in memory, counted (`notPersisted`) and logged.
   */
  async dispatch(notifier: string, n: Notification): Promise<DispatchOutcome> {
    const raisedAt = performance.now();
    const q = this.queues.get(notifier);
    if (!q || this.closed) {
      throw new UnknownNotifierError(this.closed ? 'dispatcher is closed' : `unknown notifier '${notifier}'`);
    }
    const settings = this.config.notifiers.get(notifier);
    if (n.alert.state === 'resolved' && settings?.sendResolved === false) return 'skipped';
    // severity is the rule's: a firing alert below the bar and its resolution are both left out
    if (settings && rank(n.alert.severity) < rank(settings.minSeverity)) return 'skipped';
    const alert = withSourceUrl(n.alert, this.config);
    const result = await q.outbox.add(
      { key: idempotencyKey(alert, n.args), notifier, args: [...n.args], alert, enqueuedAt: this.clock.wallNow() },
      q.notifier.supersedes?.bind(q.notifier),
    );
    if (result.outcome === 'duplicate') return 'duplicate';
    if (result.persistedAt !== undefined) q.observePersist((result.persistedAt - raisedAt) / 1000);
    if (result.writeError !== undefined) q.countNotPersisted(result.delivery.key, result.writeError);
    q.countDropped('overflow', result.dropped, `outbox full (max_entries ${q.outbox.settings.maxEntries})`);
    q.wake();
    return 'queued';
  }

  /**
   * Tries to deliver everything pending now, skipping backoff waits, for at
   * most timeoutMs. What is left stays in the outbox for the next start.
   */
  async flush(timeoutMs: number): Promise<{ readonly pending: number }> {
    for (const q of this.queues.values()) q.wake(true);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.queues.values()].map((q) => q.idle())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return { pending: [...this.queues.values()].reduce((n, q) => n + q.outbox.size, 0) };
  }

  /** Stops the delivery loops (an in-flight send finishes). Pending entries stay on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  /** Counters and gauges per notifier, for /metrics and self-alerts. */
  stats(): NotifierStats[] {
    return [...this.queues.values()].map((q) => q.stats());
  }
}

/** An outbox left by a notifier since removed from the config is never delivered: say so. */
function warnOrphans(root: string, config: Config, log: Logger): void {
  // no notifier with an outbox has made the directory yet: nothing can be left in it
  if (!fs.existsSync(root)) return;
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || config.notifiers.has(entry.name)) continue;
    const pending = fs.readdirSync(path.join(root, entry.name)).filter((n) => n.endsWith('.json')).length;
    if (pending > 0) {
      log.warn({ notifier: entry.name, pending, dir: path.join(root, entry.name) }, 'outbox of a notifier no longer in the config: not delivered');
    }
  }
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };
const rank = (s: Severity): number => SEVERITY_RANK[s] ?? 0;

/** `{file}` below the rules directory that holds it (as the repository has it), and `{line}`. */
function withSourceUrl(alert: Alert, config: Config): Alert {
  if (!config.ruleSourceUrl || !alert.source || alert.sourceUrl) return alert;
  const { file, line } = alert.source;
  const root = config.rules.find((r) => file === r || file.startsWith(`${r}${path.sep}`));
  const relative = root === undefined ? path.basename(file) : root === file ? path.basename(file) : path.relative(root, file);
  const url = config.ruleSourceUrl.replace(/\{file\}/g, relative.split(path.sep).map(encodeURIComponent).join('/')).replace(/\{line\}/g, String(line));
  return { ...alert, sourceUrl: url };
}

const UNWRITABLE = new Set(['EROFS', 'ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'ENOENT', 'EIO']);

/** A disk that refuses writes, in words: kernwatch can still run and deliver from memory. */
export function unwritableReason(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === undefined || !UNWRITABLE.has(code)) return undefined;
  return code === 'ENOENT' ? 'a directory on its path is missing and cannot be created' : describeErrno(e);
}

/**
 * loadConfig(path): read kernwatch.yaml (or JSON), check it against its
 * schema (config_schema.ts) with ajv, resolve secrets from environment
 * variables and files, fill in defaults. Every mistake becomes a
 * ConfigProblem naming its line, column and dotted path in the file.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isMap, isScalar, parseDocument, visit, type Document } from 'yaml';
import type { Config, LogLevel, NotifierConfig, OutboxSettings, SelfAlertSettings } from './config';
import { ConfigError, type ConfigProblem } from './config_error';
import { configSchema } from './config_schema';
import { NOTIFIER_KINDS, type AnyNotifierKind } from './notifiers/all';
import type { BuildContext, NotifierCommon, Raw, SettingPath } from './notifiers/kind';
import { durationMs } from './duration';
import { isEmailAddress, isHttpUrl } from './formats';
import { CONFIG_FILE_MAX_BYTES, SECRET_FILE_MAX_BYTES, readTextFile } from './text_file';
import { closest, type Severity } from '../dsl';

const DEFAULT_OUTBOX: OutboxSettings = { maxEntries: 1000, maxAgeMs: 24 * 3_600_000 };
const DEFAULT_TIMEOUT_MS = 10_000;

/** compiled once per list of notifier types (tests bring their own) */
const validators = new WeakMap<readonly AnyNotifierKind[], ValidateFunction>();

function schemaValidator(kinds: readonly AnyNotifierKind[]): ValidateFunction {
  let validator = validators.get(kinds);
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
  ajv.addFormat('url', isHttpUrl);
  ajv.addFormat('email-address', isEmailAddress);
  // read by schemaProblems (and by editors), no check of its own
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  validator = ajv.compile(configSchema(kinds));
  validators.set(kinds, validator);
  return validator;
}

/** Read and check a config file; throws ConfigError (one printable line) on any mistake. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readTextFile(file, CONFIG_FILE_MAX_BYTES, 'config');
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: (e as Error).message.replace(`${file}: `, '') }]);
  }
  return parseConfig(text, file, env);
}

/** The configuration when no file is given: the built-in stdout notifier only. */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseConfig('{}', '<defaults>', env);
}

const MAX_ALIAS_EXPANSIONS = 100;
const DEFAULT_RING_BYTES = 16 * 1024 * 1024;
const DEFAULT_IN_FLIGHT_BYTES = 4 * 1024 * 1024;

/** `kinds`: the notifier types there are (a test may add one). */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, kinds: readonly AnyNotifierKind[] = NOTIFIER_KINDS): Config {
  const lines = new LineCounter();
  // the library's own uniqueKeys check compares every pair of keys: a config with 100,000 keys took minutes
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const syntax: ConfigProblem[] = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return { path: '', message: e.message.split('\n')[0] ?? e.code, line: pos.line, column: pos.col };
  });
  if (syntax.length === 0) syntax.push(...duplicateKeys(doc, lines));
  if (syntax.length > 0) throw new ConfigError(file, syntax);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS }) ?? {};
  } catch (e) {
    // the yaml library refuses aliases that expand past the count: an alias bomb, or a config no person wrote
    throw new ConfigError(file, [{ path: '', message: `YAML aliases expand too far (over ${MAX_ALIAS_EXPANSIONS} uses): ${(e as Error).message}` }]);
  }
  const locate = locator(doc, lines);
  const validate = schemaValidator(kinds);
  const problems = validate(data) ? [] : schemaProblems(validate.errors ?? [], locate);
  // the builder's own checks (secrets, notifier names, durations) run on a file the schema refused too,
  // so that one run reports every mistake, on every part the schema accepted
  const builder = new Builder(file, env, locate, kinds, problems);
  const config = builder.build(isRaw(data) ? data : {});
  // one problem per setting: the schema's word on it stands
  const seen = new Set(problems.map((p) => p.path));
  problems.push(...builder.problems.filter((p) => !seen.has(p.path)));
  if (problems.length > 0)
    throw new ConfigError(
      file,
      [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)),
    );
  return config;
}

/** Keys given twice in one mapping, each located at its second use: one pass, a set per mapping. */
function duplicateKeys(doc: Document, lines: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const p of map.items) {
        if (!isScalar(p.key)) continue;
        if (seen.has(p.key.value)) {
          const pos = lines.linePos(p.key.range?.[0] ?? 0);
          problems.push({ path: '', message: `map keys must be unique: '${String(p.key.value)}' is given twice`, line: pos.line, column: pos.col });
        }
        seen.add(p.key.value);
      }
    },
  });
  return problems;
}

type Locate = (segments: readonly (string | number)[], atKey?: boolean) => { line?: number; column?: number };

function locator(doc: Document, lines: LineCounter): Locate {
  // key offsets per map, built once: looking each key up by a scan made a
  // config with 50,000 unknown keys take a minute to report
  const keyOffsets = new WeakMap<object, Map<unknown, number>>();
  const keyOffset = (map: { items: readonly { key: unknown }[] }, key: unknown): number | undefined => {
    let index = keyOffsets.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) if (isScalar(p.key) && p.key.range && !index.has(p.key.value)) index.set(p.key.value, p.key.range[0]);
      keyOffsets.set(map, index);
    }
    return index.get(key);
  };
  return (segments, atKey = false) => {
    if (atKey && segments.length > 0) {
      // an unknown setting is shown at its key, not its value
      const parent = segments.length === 1 ? doc.contents : doc.getIn(segments.slice(0, -1), true);
      const offset = isMap(parent) ? keyOffset(parent, segments.at(-1)) : undefined;
      if (offset !== undefined) {
        const pos = lines.linePos(offset);
        return { line: pos.line, column: pos.col };
      }
    }
    // the deepest node that exists: a missing key is reported at its parent
    for (let n = segments.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) {
        const pos = lines.linePos(range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  };
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function dotted(segments: readonly (string | number)[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function schemaProblems(errors: readonly ErrorObject[], locate: Locate): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem>();
  for (const e of errors) {
    const segments = pointerSegments(e.instancePath);
    let message: string | undefined;
    let atKey = false;
    if (e.keyword === 'if' || e.keyword === 'oneOf' || e.keyword === 'propertyNames') continue;
    // the schema's own word for a mistake at this node (config_schema.ts)
    const said = (e.parentSchema as { errorMessage?: unknown } | undefined)?.errorMessage;
    if (e.keyword === 'required') {
      segments.push((e.params as { missingProperty: string }).missingProperty);
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      segments.push(key);
      const hint = closest(key, known);
      atKey = true;
      message = `unknown setting${hint ? ` (did you mean '${hint}'?)` : ''}`;
    } else if (e.propertyName !== undefined) {
      // a key the schema refused (propertyNames): shown at the key
      segments.push(e.propertyName);
      atKey = true;
      message = typeof said === 'string' ? said : (e.message ?? e.keyword);
    } else if (typeof said === 'string') {
      message = said;
    } else if (e.keyword === 'format') {
      message = (e.params as { format: string }).format === 'url' ? 'must be a URL' : 'must be an email address (name@domain)';
    } else if (e.keyword === 'enum') {
      message = `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    } else {
      message = e.message ?? e.keyword;
    }
    const key = dotted(segments);
    if (!byPath.has(key)) byPath.set(key, { path: key, message, ...locate(segments, atKey) });
  }
  return [...byPath.values()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * Turns the raw data into Config, collecting the problems the schema cannot
 * see (secrets, names, ranges). A part the schema refused is not built: a
 * builder reads the shape the schema describes, and the schema's word on
 * that part stands. A builder that throws on a part the schema accepted is
 * a located problem too, never lost.
 */
class Builder implements BuildContext {
  readonly problems: ConfigProblem[] = [];
  private readonly dir: string;
  /** the paths the schema refused */
  private readonly refused: readonly string[];

  constructor(
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly locate: Locate,
    private readonly kinds: readonly AnyNotifierKind[],
    schemaProblems: readonly ConfigProblem[],
  ) {
    this.dir = path.dirname(path.resolve(file));
    this.refused = schemaProblems.map((p) => p.path);
  }

  problem(segments: SettingPath, message: string): void {
    this.problems.push({ path: dotted(segments), message, ...this.locate(segments) });
  }

  /** `build()` of the part at `at`, or `fallback()` when the schema refused something in it or the builder threw. */
  private part<T>(at: SettingPath, fallback: () => T, build: () => T): T {
    const key = dotted(at);
    if (this.refused.some((p) => p === key || p.startsWith(`${key}.`) || p.startsWith(`${key}[`))) return fallback();
    try {
      return build();
    } catch (e) {
      this.problem(at, `could not be read: ${String((e as Error)?.message ?? e)} (a bug in kernwatch: please report it)`);
      return fallback();
    }
  }

  build(raw: Raw): Config {
    const stateDirEnv = this.env.STATE_DIRECTORY?.split(':')[0];
    const stateDir = typeof raw.state_dir === 'string' ? path.resolve(this.dir, raw.state_dir) : stateDirEnv || '/var/lib/kernwatch';
    const notifiers = new Map<string, NotifierConfig>();
    const rawNotifiers = isRaw(raw.notifiers) ? raw.notifiers : {};
    for (const [name, n] of Object.entries(rawNotifiers)) {
      const built = this.part(
        ['notifiers', name],
        () => undefined,
        () => this.notifier(name, n as Raw),
      );
      if (built) notifiers.set(name, built);
    }
    if (!notifiers.has('stdout') && !('stdout' in rawNotifiers)) {
      notifiers.set('stdout', { name: 'stdout', type: 'stdout', format: 'json', ...this.common({}, []) });
    }
    const metrics = raw.metrics as { listen?: string } | undefined;
    return {
      file: this.file.startsWith('<') ? undefined : path.resolve(this.file),
      host: typeof raw.host === 'string' ? raw.host : os.hostname(),
      stateDir,
      ringBytes: this.ringBytes(raw.ring_buffer),
      recordsInFlightBytes: this.inFlightBytes(raw.records_in_flight),
      ...(typeof raw.rule_source_url === 'string' ? { ruleSourceUrl: raw.rule_source_url } : {}),
      rules: this.part(
        ['rules'],
        () => [],
        () => ((raw.rules as string[] | undefined) ?? []).map((r) => path.resolve(this.dir, r)),
      ),
      metricsListen: metrics?.listen,
      notifiers,
      selfAlerts: this.part(
        ['self_alerts'],
        () => this.selfAlerts({}, notifiers),
        () => this.selfAlerts((raw.self_alerts ?? {}) as Raw, notifiers),
      ),
      logLevel: (raw.log_level as LogLevel | undefined) ?? 'info',
    };
  }

  private ringBytes(raw: unknown): number {
    if (typeof raw !== 'string') return DEFAULT_RING_BYTES;
    const bytes = byteSize(raw);
    if (!(bytes >= 4096 && bytes <= 1024 * 1024 * 1024 && (bytes & (bytes - 1)) === 0)) {
      this.problem(['ring_buffer'], 'must be a power of two from 4KiB to 1024MiB, e.g. 16MiB');
      return DEFAULT_RING_BYTES;
    }
    return bytes;
  }

  private inFlightBytes(raw: unknown): number {
    if (typeof raw !== 'string') return DEFAULT_IN_FLIGHT_BYTES;
    const bytes = byteSize(raw);
    if (!(bytes >= 64 * 1024 && bytes <= 256 * 1024 * 1024)) {
      this.problem(['records_in_flight'], 'must be from 64KiB to 256MiB, e.g. 4MiB');
      return DEFAULT_IN_FLIGHT_BYTES;
    }
    return bytes;
  }

  private selfAlerts(n: Raw, notifiers: ReadonlyMap<string, NotifierConfig>): SelfAlertSettings {
    const at = ['self_alerts'];
    const notify = (n.notify as string[] | undefined) ?? ['stdout'];
    if (n.notify !== undefined) {
      notify.forEach((name, i) => {
        if (!notifiers.has(name)) this.problem([...at, 'notify', i], `unknown notifier '${name}' (configured: ${[...notifiers.keys()].sort().join(', ')})`);
      });
    }
    return {
      notify,
      lostPercent: (n.lost_percent as number | undefined) ?? 1,
      lostWindowMs: this.duration(n, at, 'lost_window', 5 * 60_000, 1000),
      notifierFailingForMs: this.duration(n, at, 'notifier_failing_for', 5 * 60_000, 1000),
      repeatIntervalMs: this.duration(n, at, 'repeat_interval', 4 * 3_600_000, 60_000),
    };
  }

  /** A duration setting in ms, at least `minMs` (a zero re-send interval would spin). */
  duration(n: Raw, at: SettingPath, key: string, fallback: number, minMs: number): number {
    if (n[key] === undefined) return fallback;
    const ms = durationMs(n[key] as string | number);
    if (ms < minMs) {
      this.problem([...at, key], `must be at least ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`}`);
      return fallback;
    }
    return ms;
  }

  private common(n: Raw, at: SettingPath): Omit<NotifierCommon, 'name'> {
    const outbox = (n.outbox ?? {}) as Raw;
    return {
      sendResolved: n.send_resolved !== false,
      minSeverity: (n.min_severity as Severity | undefined) ?? 'info',
      timeoutMs: this.duration(n, at, 'timeout', DEFAULT_TIMEOUT_MS, 100),
      outbox: {
        maxEntries: (outbox.max_entries as number | undefined) ?? DEFAULT_OUTBOX.maxEntries,
        maxAgeMs: this.duration(outbox, [...at, 'outbox'], 'max_age', DEFAULT_OUTBOX.maxAgeMs, 60_000),
      },
    };
  }

  private notifier(name: string, n: Raw): NotifierConfig | undefined {
    const at = ['notifiers', name];
    if (name === 'stdout' && n.type !== 'stdout') {
      this.problem([...at, 'type'], "the name 'stdout' is reserved for the built-in stdout notifier");
      return undefined;
    }
    // a type there is not is the schema's to say
    const kind = this.kinds.find((k) => k.type === n.type);
    return kind?.build(n, at, { name, ...this.common(n, at) }, this);
  }

  /**
   * A secret given inline as `key`, by environment variable as `key_env`, or
   * in a file as `key_file` (relative to the config file): exactly one.
   */
  secret(n: Raw, at: SettingPath, key: string, required: boolean, valid?: (s: string) => boolean, what?: string): string | undefined {
    const forms = [key, `${key}_env`, `${key}_file`].filter((k) => n[k] !== undefined);
    if (forms.length === 0) {
      if (required) this.problem([...at], `needs ${key}, ${key}_env or ${key}_file`);
      return undefined;
    }
    if (forms.length > 1) {
      this.problem([...at, forms[1] ?? key], `set only one of ${forms.join(', ')}`);
      return undefined;
    }
    const form = forms[0] ?? key;
    let value: string | undefined;
    let source: string;
    if (form === key) {
      value = n[key] as string;
      source = 'the value';
    } else if (form.endsWith('_env')) {
      const variable = n[form] as string;
      value = this.env[variable];
      source = `$${variable}`;
      if (value === undefined || value === '') {
        this.problem([...at, form], `environment variable ${variable} is not set`);
        return undefined;
      }
    } else {
      value = this.readFile([...at, form], n[form] as string)?.replace(/\r?\n$/, '');
      source = `the file ${n[form] as string}`;
      if (value === undefined) return undefined;
    }
    // the secret itself is never echoed
    if (valid && !valid(value)) {
      this.problem([...at, form], `${source} is not ${what ?? 'valid'}`);
      return undefined;
    }
    return value;
  }

  readFile(at: SettingPath, file: string): string | undefined {
    const full = path.resolve(this.dir, file);
    try {
      return readTextFile(full, SECRET_FILE_MAX_BYTES);
    } catch (e) {
      this.problem(at, (e as Error).message);
      return undefined;
    }
  }
}

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `64KiB`, `16MiB` in bytes; NaN for anything else. */
function byteSize(text: string): number {
  const m = /^([0-9]+)(KiB|MiB)$/.exec(text);
  return m ? Number(m[1]) * (m[2] === 'KiB' ? 1024 : 1024 * 1024) : NaN;
}

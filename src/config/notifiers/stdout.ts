/** `type: stdout`: one line per alert on standard output; one named `stdout` always exists. */
import type { NotifierCommon, NotifierKind } from './kind';

export interface StdoutConfig extends NotifierCommon {
  readonly type: 'stdout';
  readonly format: 'json' | 'text';
}

export const stdout: NotifierKind<StdoutConfig> = {
  type: 'stdout',
  schema: { properties: { format: { enum: ['json', 'text'] } } },
  build(n, _at, common) {
    return { ...common, type: 'stdout', format: (n.format as 'json' | 'text' | undefined) ?? 'json' };
  },
};

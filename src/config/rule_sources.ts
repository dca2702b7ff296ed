/**
 * Reading the rule files PATHs name, for every command that runs rules and
 * for the agent: one way, with one set of messages for what cannot be read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRuleFiles, RuleFilesError } from '../dsl';
import { RULE_FILE_MAX_BYTES, TextFileError, readTextFile } from './text_file';

export interface RuleSourceFile {
  readonly file: string;
  readonly text: string;
  /** the path below the directory it was found in (a file named itself: its base name); what a rule set's hash covers */
  readonly name: string;
}

export type RuleSourcesResult =
  | { readonly ok: true; readonly sources: readonly RuleSourceFile[] }
  /** `problem`: one line saying which path could not be read and why; `files`: those read before it */
  | { readonly ok: false; readonly problem: string; readonly files: readonly string[] };

/** Every *.rules file `paths` name, in a stable order, each once; at least one. */
export function readRuleSources(paths: readonly string[]): RuleSourcesResult {
  const sources: RuleSourceFile[] = [];
  const seen = new Set<string>();
  try {
    for (const root of paths) {
      const isDir = fs.statSync(root, { throwIfNoEntry: false })?.isDirectory() === true;
      for (const file of findRuleFiles([root])) {
        if (seen.has(file)) continue;
        seen.add(file);
        const name = isDir ? path.relative(root, file) : path.basename(file);
        sources.push({ file, text: readTextFile(file, RULE_FILE_MAX_BYTES, 'rule file'), name });
      }
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const problem = e instanceof RuleFilesError || e instanceof TextFileError ? e.message : `${err.path ?? ''}: ${err.code ?? String(e)}`;
    return { ok: false, problem, files: sources.map((s) => s.file) };
  }
  if (sources.length === 0) return { ok: false, problem: `no *.rules files in ${paths.join(' ')}`, files: [] };
  return { ok: true, sources };
}

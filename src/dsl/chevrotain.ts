/**
 * Chevrotain's runtime, loaded from the single-file build its package ships
 * (lib/chevrotain.min.mjs): the same release as the package's entry point,
 * which Node instead loads as some 400 ES modules (Chevrotain's own and
 * lodash-es's files), 140 ms of every `kernwatch rules check` on our
 * machines against 10 ms for the bundle. Types still come from 'chevrotain'.
 */
import * as path from 'node:path';
import type * as Api from 'chevrotain';

// require.resolve gives the package's entry, lib/src/api.js; the bundle sits in lib/
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtime = require(path.join(path.dirname(require.resolve('chevrotain')), '..', 'chevrotain.min.mjs')) as typeof Api;

export const { createToken, CstParser, EOF, Lexer } = runtime;

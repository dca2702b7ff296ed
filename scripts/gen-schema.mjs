#!/usr/bin/env node
/**
 * Writes schema/kernwatch.schema.json, the config's JSON schema for
 * editors, from the one the loader checks configs against
 * (src/config/config_schema.ts: the top-level settings and every notifier
 * type's own). Reads the compiled dist/, so `npx tsc -p .` first. With
 * --check nothing is written: it fails when the committed file is stale
 * (a unit test runs it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const OUT = path.join(ROOT, 'schema', 'kernwatch.schema.json');
const { configSchema } = createRequire(import.meta.url)(path.join(ROOT, 'dist', 'src', 'config', 'config_schema.js'));

const text = `${JSON.stringify(configSchema(), null, 2)}\n`;
if (!process.argv.includes('--check')) fs.writeFileSync(OUT, text);
else if (fs.readFileSync(OUT, 'utf8') !== text) {
  process.stderr.write(`gen-schema: ${path.relative(ROOT, OUT)} is stale: node scripts/gen-schema.mjs writes it\n`);
  process.exit(1);
}

/**
 * `kernwatch lsp [--stdio]`: the language server for .rules files, speaking
 * LSP on stdin and stdout (editors pass --stdio; it is the only transport).
 */
import { parseArgs } from 'node:util';
import { serveLanguage } from '../lsp/server';

export async function lspCommand(args: readonly string[]): Promise<number> {
  parseArgs({ args: [...args], options: { stdio: { type: 'boolean' } }, allowPositionals: false, strict: true });
  return serveLanguage(process.stdin, process.stdout);
}

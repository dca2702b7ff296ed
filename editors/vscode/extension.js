// Starts `kernwatch lsp --stdio` for .rules files: everything the editor
// shows beyond colours (diagnostics, completion, hover, navigation,
// formatting, quick fixes) comes from the server, the same checker as
// `kernwatch rules check`.
'use strict';
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('kernwatch').get('server.path', 'kernwatch');
  const server = { command, args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient(
    'kernwatch',
    'kernwatch rules',
    { run: server, debug: server },
    { documentSelector: [{ scheme: 'file', language: 'kernwatch' }, { scheme: 'untitled', language: 'kernwatch' }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

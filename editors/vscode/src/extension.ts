/**
 * The RuleLens extension: starts `rulelens server` for KQL, SPL and rule YAML or TOML
 * documents, sends it the `rulelens.*` settings, and adds a status bar item and the commands
 * to restart the server, show its output and show a technique report.
 */

import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    LanguageClient,
    LanguageClientOptions,
    ServerOptions,
    State,
    TransportKind,
} from 'vscode-languageclient/node';
import { showTechniqueReport } from './report';
import { RuleDocumentFilter, ruleFormat } from './ruleDetection';
import { resolveServer } from './serverPath';
import { buildServerSettings, JsonObject } from './settings';
import { StatusItem } from './status';

const SECTION = 'rulelens';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: StatusItem;

/** Returns the value a user set for `rulelens.<setting>`, or undefined when unset. */
function userValue(setting: string): unknown {
    const inspected = vscode.workspace.getConfiguration(SECTION).inspect(setting);
    return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
}

// The settings problems last shown, so that a settings request from the server does not
// show the same warnings again.
let shownProblems = '';

/** Builds the settings object and reports the settings that were left out. */
function serverSettings(): JsonObject {
    const { settings, problems } = buildServerSettings(userValue);
    const key = problems.join('\n');
    if (key !== shownProblems) {
        shownProblems = key;
        for (const problem of problems) {
            output.warn(problem);
            void vscode.window.showWarningMessage(`RuleLens: ${problem}`);
        }
    }
    return settings;
}

function workspaceFolderPath(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Whether a document is sent to the server. */
function isRuleDocument(document: vscode.TextDocument): boolean {
    return ruleFormat(document.languageId, document.getText()) !== undefined;
}

function clientOptions(): LanguageClientOptions {
    const filter = new RuleDocumentFilter();
    return {
        documentSelector: ['kql', 'spl', 'yaml', 'toml'].flatMap((language) => [
            { scheme: 'file', language },
            { scheme: 'untitled', language },
        ]),
        outputChannel: output,
        initializationOptions: serverSettings(),
        middleware: {
            didOpen: async (document, next) => {
                if (filter.opened(document.uri.toString(), isRuleDocument(document)) === 'send') {
                    return next(document);
                }
            },
            didChange: async (event, next) => {
                const document = event.document;
                const forwarding = filter.changed(
                    document.uri.toString(),
                    isRuleDocument(document),
                );
                if (forwarding === 'send') {
                    return next(event);
                }
                if (forwarding === 'open') {
                    // The document became a rule: open it on the server with its whole text.
                    await client?.sendNotification('textDocument/didOpen', {
                        textDocument: {
                            uri: document.uri.toString(),
                            languageId: document.languageId,
                            version: document.version,
                            text: document.getText(),
                        },
                    });
                }
            },
            didSave: async (document, next) => {
                if (filter.saved(document.uri.toString()) === 'send') {
                    return next(document);
                }
            },
            didClose: async (document, next) => {
                if (filter.closed(document.uri.toString()) === 'send') {
                    return next(document);
                }
            },
            workspace: {
                configuration: (params, _token, _next) => {
                    // The server may request its settings, so reply with the object it is sent.
                    return params.items.map((item) =>
                        item.section === undefined || item.section === SECTION
                            ? serverSettings()
                            : null,
                    );
                },
            },
        },
    };
}

/** Starts the server, or reports in the status bar and a message why it cannot. */
async function startServer(): Promise<void> {
    const configured = vscode.workspace.getConfiguration(SECTION).get<unknown>('server.path');
    const resolution = resolveServer(configured, process.env.PATH, workspaceFolderPath());
    if ('problem' in resolution) {
        output.error(resolution.problem);
        status.showMissing(resolution.problem);
        const choice = await vscode.window.showErrorMessage(
            `RuleLens: ${resolution.problem}`,
            'Open Settings',
        );
        if (choice === 'Open Settings') {
            await vscode.commands.executeCommand(
                'workbench.action.openSettings',
                'rulelens.server.path',
            );
        }
        return;
    }

    output.info(`starting ${resolution.path} server`);
    const server: ServerOptions = {
        command: resolution.path,
        args: ['server'],
        transport: TransportKind.stdio,
    };
    const started = new LanguageClient('rulelens', 'RuleLens', server, clientOptions());
    started.onDidChangeState((event) => {
        if (event.newState === State.Running) {
            status.showRunning(resolution.path);
        } else if (event.newState === State.Starting) {
            status.showStarting();
        } else {
            status.showStopped();
        }
    });
    client = started;
    try {
        await started.start();
    } catch (error) {
        const message = `the server failed to start: ${String(error)}`;
        output.error(message);
        status.showStopped();
        void vscode.window
            .showErrorMessage(`RuleLens: ${message}`, 'Show Output')
            .then((choice) => choice && output.show());
    }
}

async function stopServer(): Promise<void> {
    const stopping = client;
    client = undefined;
    if (stopping === undefined) {
        return;
    }
    try {
        // A server that no longer responds must not block a restart.
        await stopping.stop(2000);
    } catch (error) {
        output.warn(`the server did not stop cleanly: ${String(error)}`);
    }
    await stopping.dispose().catch(() => undefined);
}

async function restartServer(): Promise<void> {
    output.info('restarting the server');
    await stopServer();
    await startServer();
}

function onConfigurationChange(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration(SECTION)) {
        return;
    }
    if (event.affectsConfiguration('rulelens.server.path')) {
        void restartServer();
        return;
    }
    if (client?.state === State.Running) {
        void client.sendNotification(DidChangeConfigurationNotification.type, {
            settings: serverSettings(),
        });
    }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    output = vscode.window.createOutputChannel('RuleLens', { log: true });
    status = new StatusItem();
    context.subscriptions.push(
        output,
        status,
        vscode.commands.registerCommand('rulelens.restartServer', restartServer),
        vscode.commands.registerCommand('rulelens.showOutput', () => output.show()),
        vscode.commands.registerCommand('rulelens.showTechniqueReport', () => {
            const configured = vscode.workspace
                .getConfiguration(SECTION)
                .get<unknown>('server.path');
            return showTechniqueReport(
                context,
                output,
                resolveServer(configured, process.env.PATH, workspaceFolderPath()),
            );
        }),
        vscode.workspace.onDidChangeConfiguration(onConfigurationChange),
    );
    await startServer();
}

export async function deactivate(): Promise<void> {
    await stopServer();
}

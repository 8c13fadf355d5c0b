/**
 * The technique report command: runs `rulelens report TECHNIQUE --format html` for the
 * technique under the cursor, or the rule's technique, and shows the page in a webview.
 */

import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { withContentSecurityPolicy } from './reportHtml';
import { Resolution } from './serverPath';
import { parseTechnique, techniqueAt, techniquesIn } from './technique';

/** How long the report command may run before it is stopped, in milliseconds. */
const REPORT_TIMEOUT_MS = 30_000;

/** Picks the technique: under the cursor, the rule's only one, or one the user chooses. */
async function pickTechnique(editor: vscode.TextEditor | undefined): Promise<string | undefined> {
    if (editor) {
        const position = editor.selection.active;
        const line = editor.document.lineAt(position.line).text;
        const underCursor = techniqueAt(line, position.character);
        if (underCursor) {
            return underCursor;
        }
        const techniques = techniquesIn(editor.document.getText());
        if (techniques.length === 1) {
            return techniques[0];
        }
        if (techniques.length > 1) {
            return vscode.window.showQuickPick(techniques, {
                placeHolder: 'Technique report for',
            });
        }
    }
    const typed = await vscode.window.showInputBox({
        prompt: 'The rule names no ATT&CK technique. Enter one for the report.',
        placeHolder: 'T1133',
        validateInput: (value) =>
            parseTechnique(value) ? undefined : 'use the form T1059 or T1059.001',
    });
    return typed === undefined ? undefined : parseTechnique(typed);
}

function runReport(executable: string, technique: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            executable,
            ['report', technique, '--format', 'html'],
            { timeout: REPORT_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024 },
            (error, stdout, stderr) => {
                if (error) {
                    const detail = stderr.trim() || error.message;
                    reject(new Error(`rulelens report ${technique} failed: ${detail}`));
                } else {
                    resolve(stdout);
                }
            },
        );
    });
}

export async function showTechniqueReport(
    context: vscode.ExtensionContext,
    output: vscode.LogOutputChannel,
    server: Resolution,
): Promise<void> {
    if ('problem' in server) {
        void vscode.window.showErrorMessage(`RuleLens: ${server.problem}`);
        return;
    }
    const technique = await pickTechnique(vscode.window.activeTextEditor);
    if (technique === undefined) {
        return;
    }

    let html: string;
    try {
        html = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: `RuleLens report ${technique}` },
            () => runReport(server.path, technique),
        );
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        output.error(message);
        void vscode.window.showErrorMessage(`RuleLens: ${message}`);
        return;
    }

    const panel = vscode.window.createWebviewPanel(
        'rulelens.techniqueReport',
        `RuleLens: ${technique}`,
        vscode.ViewColumn.Beside,
        { enableScripts: false, localResourceRoots: [] },
    );
    panel.webview.html = withContentSecurityPolicy(html);
    context.subscriptions.push(panel);
}

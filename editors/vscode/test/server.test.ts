// Drives the real `rulelens server` over stdio with vscode-languageserver-protocol, the
// protocol library VS Code's client is built on, sending the settings object the extension
// builds. The binary is RULELENS_BIN, else target/debug/rulelens in the repository.

import assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
    CodeAction,
    CodeActionRequest,
    createProtocolConnection,
    Diagnostic,
    DiagnosticSeverity,
    DidChangeConfigurationNotification,
    DidChangeTextDocumentNotification,
    DidOpenTextDocumentNotification,
    ExitNotification,
    HoverRequest,
    InitializedNotification,
    InitializeRequest,
    InitializeResult,
    LogMessageNotification,
    ProtocolConnection,
    PublishDiagnosticsNotification,
    PublishDiagnosticsParams,
    ShowMessageNotification,
    ShutdownRequest,
    StreamMessageReader,
    StreamMessageWriter,
    TextEdit,
    WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { withContentSecurityPolicy } from '../src/reportHtml';
import { buildServerSettings, JsonObject, lookupIn } from '../src/settings';

const repository = path.resolve(__dirname, '..', '..', '..', '..');
const fixtures = path.join(repository, 'tests', 'nvim', 'fixtures');
const WAIT_MS = 20_000;

function serverBinary(): string {
    const binary = process.env.RULELENS_BIN || path.join(repository, 'target', 'debug', 'rulelens');
    assert.ok(
        fs.existsSync(binary),
        `rulelens binary not found at ${binary}: run cargo build -p rulelens or set RULELENS_BIN`,
    );
    const help = spawnSync(binary, ['server', '--help'], { encoding: 'utf8' });
    assert.equal(
        help.status,
        0,
        `${binary} has no working server command (the language server is not built in): ` +
            `${help.stderr}`,
    );
    return binary;
}

/** One running server and what it sent. */
class Session {
    readonly published: PublishDiagnosticsParams[] = [];
    readonly messages: string[] = [];
    stderr = '';
    initializeResult!: InitializeResult;
    private readonly exited: Promise<number | null>;

    private constructor(
        readonly child: ChildProcessWithoutNullStreams,
        readonly connection: ProtocolConnection,
    ) {
        this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
        child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
        connection.onNotification(PublishDiagnosticsNotification.type, (params) =>
            this.published.push(params),
        );
        connection.onNotification(LogMessageNotification.type, (params) =>
            this.messages.push(params.message),
        );
        connection.onNotification(ShowMessageNotification.type, (params) =>
            this.messages.push(params.message),
        );
        // The server may request settings; reply as the extension middleware does.
        connection.onRequest('workspace/configuration', () => []);
        connection.listen();
    }

    /** Starts the server and completes the initialize handshake. */
    static async start(initializationOptions: unknown): Promise<Session> {
        const child = spawn(serverBinary(), ['server'], {
            stdio: 'pipe',
            env: { ...process.env, RULELENS_LOG: 'warn' },
        });
        const connection = createProtocolConnection(
            new StreamMessageReader(child.stdout),
            new StreamMessageWriter(child.stdin),
        );
        const session = new Session(child, connection);
        sessions.push(session);
        const initialize = connection.sendRequest(InitializeRequest.type, {
            processId: process.pid,
            rootUri: pathToFileURL(fixtures).toString(),
            workspaceFolders: [{ uri: pathToFileURL(fixtures).toString(), name: 'fixtures' }],
            // VS Code's client offers UTF-16 positions only.
            capabilities: {
                general: { positionEncodings: ['utf-16'] },
                textDocument: {
                    publishDiagnostics: { relatedInformation: true, versionSupport: true },
                    hover: { contentFormat: ['markdown', 'plaintext'] },
                    codeAction: {
                        codeActionLiteralSupport: {
                            codeActionKind: { valueSet: ['quickfix', 'source'] },
                        },
                        resolveSupport: { properties: ['edit'] },
                    },
                },
                workspace: { configuration: true, didChangeConfiguration: {} },
            },
            initializationOptions,
        });
        try {
            session.initializeResult = await initialize;
        } catch (error) {
            // Give stderr a moment to arrive, because it explains why the server stopped.
            await new Promise((resolve) => setTimeout(resolve, 200));
            assert.fail(
                `initialize failed (${String(error)}); server exit code ${child.exitCode}, ` +
                    `stderr:\n${session.stderr}`,
            );
        }
        await connection.sendNotification(InitializedNotification.type, {});
        return session;
    }

    /** Opens a fixture and returns its URI and text. */
    async open(fixture: string, languageId: string): Promise<{ uri: string; text: string }> {
        const file = path.join(fixtures, fixture);
        const text = fs.readFileSync(file, 'utf8');
        const uri = pathToFileURL(file).toString();
        await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
            textDocument: { uri, languageId, version: 1, text },
        });
        return { uri, text };
    }

    /** Waits for a publish for `uri`, after the first `after` publishes, that `accept`s. */
    async waitForPublish(
        uri: string,
        accept: (diagnostics: Diagnostic[]) => boolean,
        after: number,
        what: string,
    ): Promise<Diagnostic[]> {
        const deadline = Date.now() + WAIT_MS;
        while (Date.now() < deadline) {
            const latest = this.published
                .slice(after)
                .filter((publish) => publish.uri === uri)
                .pop();
            if (latest && accept(latest.diagnostics)) {
                return latest.diagnostics;
            }
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const seen = this.published
            .filter((publish) => publish.uri === uri)
            .map((publish) => publish.diagnostics.map((d) => d.code).join(','));
        assert.fail(
            `timed out waiting for ${what}; publishes: ${JSON.stringify(seen)}\n${this.stderr}`,
        );
    }

    /** Sends shutdown and exit and returns the exit code. */
    async shutdown(): Promise<number | null> {
        await this.connection.sendRequest(ShutdownRequest.type);
        await this.connection.sendNotification(ExitNotification.type);
        const code = await Promise.race([
            this.exited,
            new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), WAIT_MS)),
        ]);
        this.connection.dispose();
        assert.notEqual(code, 'timeout', 'the server did not exit after shutdown and exit');
        return code as number | null;
    }
}

const sessions: Session[] = [];
after(() => {
    for (const session of sessions) {
        if (session.child.exitCode === null) {
            session.child.kill();
        }
    }
});

function lineOf(text: string, needle: string): { line: number; character: number } {
    const lines = text.split('\n');
    const line = lines.findIndex((content) => content.includes(needle));
    assert.ok(line >= 0, `${needle} not in the fixture`);
    return { line, character: lines[line].indexOf(needle) };
}

function withLint(lint: string) {
    return (diagnostics: Diagnostic[]) => diagnostics.some((d) => d.code === lint);
}

const UNUSED = 'syntax/unused-suppression';
const UNUSED_SELECTION = 'sigma/unused-selection';

test('diagnostics carry lint id and range', async () => {
    const session = await Session.start(buildServerSettings(lookupIn({})).settings);
    const capabilities = session.initializeResult.capabilities;
    assert.ok(capabilities.hoverProvider, 'the server offers no hover');
    assert.ok(capabilities.codeActionProvider, 'the server offers no code actions');
    assert.ok(
        capabilities.positionEncoding === undefined || capabilities.positionEncoding === 'utf-16',
        `position encoding ${capabilities.positionEncoding} was not offered`,
    );

    const { uri, text } = await session.open('unused_suppression.yml', 'yaml');
    const diagnostics = await session.waitForPublish(uri, withLint(UNUSED), 0, UNUSED);
    const found = diagnostics.find((d) => d.code === UNUSED)!;
    const comment = lineOf(text, 'rulelens: ignore');
    assert.equal(found.range.start.line, comment.line);
    assert.equal(found.range.start.character, comment.character);
    assert.equal(found.range.end.line, comment.line);
    assert.equal(found.severity, DiagnosticSeverity.Warning);
    assert.equal(await session.shutdown(), 0);
});

test('diagnostics follow the extension settings', async () => {
    const raised = buildServerSettings(lookupIn({ lints: { [UNUSED_SELECTION]: 'error' } }));
    const session = await Session.start(raised.settings);
    const { uri, text } = await session.open('unused_selection.yml', 'yaml');
    const diagnostics = await session.waitForPublish(
        uri,
        withLint(UNUSED_SELECTION),
        0,
        UNUSED_SELECTION,
    );
    const found = diagnostics.find((d) => d.code === UNUSED_SELECTION)!;
    assert.equal(found.range.start.line, lineOf(text, 'filter_signed:').line);
    assert.equal(found.severity, DiagnosticSeverity.Error, 'the lints setting did not raise it');

    const before = session.published.length;
    const off = buildServerSettings(lookupIn({ lints: { [UNUSED_SELECTION]: 'off' } })).settings;
    await session.connection.sendNotification(DidChangeConfigurationNotification.type, {
        settings: off,
    });
    await session.waitForPublish(
        uri,
        (d) => !withLint(UNUSED_SELECTION)(d),
        before,
        `${UNUSED_SELECTION} switched off`,
    );
    assert.equal(await session.shutdown(), 0);
});

test('incremental edit updates diagnostics', async () => {
    const session = await Session.start(buildServerSettings(lookupIn({})).settings);
    const { uri, text } = await session.open('unused_suppression.yml', 'yaml');
    await session.waitForPublish(uri, withLint(UNUSED), 0, UNUSED);

    // Delete the suppression comment line, as VS Code sends it: one ranged change.
    const comment = lineOf(text, 'rulelens: ignore');
    const before = session.published.length;
    await session.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: 2 },
        contentChanges: [
            {
                range: {
                    start: { line: comment.line, character: 0 },
                    end: { line: comment.line + 1, character: 0 },
                },
                text: '',
            },
        ],
    });
    await session.waitForPublish(uri, (d) => !withLint(UNUSED)(d), before, 'the edit applied');
    assert.equal(await session.shutdown(), 0);
});

test('settings of the wrong type leave the server working', async () => {
    // A hand-written client may send anything; the extension itself leaves these out.
    const session = await Session.start({ debounceMs: 'fast', thresholds: 'many' });
    const { uri } = await session.open('unused_suppression.yml', 'yaml');
    await session.waitForPublish(uri, withLint(UNUSED), 0, UNUSED);
    const output = [...session.messages, session.stderr].join('\n');
    assert.match(output, /debounceMs/, 'no message names the wrong debounceMs setting');
    assert.equal(await session.shutdown(), 0);
});

/** Settings that make the request-method indicator, checked by a few dozen corpus rules,
 * count as noisy, and an exclusion that one peer rule in ten carries count as common. With
 * the default index built from every front end, 10 of the remote logon fixture's 48 peers
 * exclude the private ranges, under the default share of 30%. */
const CORPUS_SETTINGS: JsonObject = buildServerSettings(
    lookupIn({
        'thresholds.noisyIndicatorReach': 10,
        'thresholds.missingExclusionShare': 0.1,
    }),
).settings;

const NOISY = 'corpus/noisy-indicator-alone';
const MISSING_EXCLUSION = 'corpus/missing-common-exclusion';
const PARTIAL_PRIVATE_RANGE = 'corpus/partial-private-range-exclusion';

async function checkNoisyIndicator(fixture: string, languageId: string, field: string) {
    const session = await Session.start(CORPUS_SETTINGS);
    const { uri, text } = await session.open(fixture, languageId);
    const diagnostics = await session.waitForPublish(uri, withLint(NOISY), 0, NOISY);
    const found = diagnostics.find((d) => d.code === NOISY)!;
    const position = lineOf(text, field);
    assert.equal(found.range.start.line, position.line, `${NOISY} is not on the ${field} line`);
    assert.match(found.message, /\d/, `${NOISY} message gives no figure`);
    assert.equal(await session.shutdown(), 0);
}

async function checkFieldHover(fixture: string, languageId: string, field: string) {
    const session = await Session.start(CORPUS_SETTINGS);
    const { uri, text } = await session.open(fixture, languageId);
    // The first publish shows the document was analysed before the hover.
    await session.waitForPublish(uri, () => true, 0, 'a first publish');
    const position = lineOf(text, field);
    const hover = await session.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri },
        position: { line: position.line, character: position.character + 1 },
    });
    assert.ok(hover, `no hover on ${field}`);
    const contents = JSON.stringify(hover.contents).replace(/[*_`]/g, '');
    // A count of rules, such as "34 rules" or "**34** corpus rules" before the Markdown
    // emphasis is removed.
    assert.match(
        contents,
        /\d[\d,]*\s+(\w+\s+)?rules?\b/i,
        `the hover on ${field} does not count rules: ${contents}`,
    );
    assert.equal(await session.shutdown(), 0);
}

/** Applies text edits with UTF-16 positions, last first so earlier positions stay valid. */
function applyEdits(text: string, edits: TextEdit[]): string {
    const lineStarts = [0];
    for (let index = 0; index < text.length; index++) {
        if (text[index] === '\n') {
            lineStarts.push(index + 1);
        }
    }
    const offset = (position: { line: number; character: number }) =>
        (lineStarts[position.line] ?? text.length) + position.character;
    const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
    let result = text;
    for (const edit of sorted) {
        result =
            result.slice(0, offset(edit.range.start)) +
            edit.newText +
            result.slice(offset(edit.range.end));
    }
    return result;
}

function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
    const fromChanges = edit.changes?.[uri] ?? [];
    const fromDocumentChanges = (edit.documentChanges ?? []).flatMap((change) =>
        'textDocument' in change && change.textDocument.uri === uri ? change.edits : [],
    );
    return [...fromChanges, ...(fromDocumentChanges as TextEdit[])];
}

/** Whether a code action fixes a `lint` finding, rather than suppressing it or fixing all. */
function isFixFor(action: CodeAction, lint: string): boolean {
    if (/^(suppress|apply every)/i.test(action.title)) {
        return false;
    }
    const diagnostics = action.diagnostics ?? [];
    return diagnostics.length === 0 || diagnostics.some((d) => d.code === lint);
}

async function checkExclusionFix(fixture: string, languageId: string, lint: string) {
    const session = await Session.start(CORPUS_SETTINGS);
    const { uri, text } = await session.open(fixture, languageId);
    const diagnostics = await session.waitForPublish(uri, withLint(lint), 0, lint);
    const found = diagnostics.find((d) => d.code === lint)!;
    const actions = (await session.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: found.range,
        context: { diagnostics: [found], only: ['quickfix'] },
    })) as CodeAction[] | null;
    let action = actions?.find((candidate) => isFixFor(candidate, lint));
    assert.ok(action, `no fix for ${lint} among ${JSON.stringify(actions)}`);
    if (action.edit === undefined) {
        action = await session.connection.sendRequest('codeAction/resolve', action);
    }
    assert.ok(action?.edit, 'the exclusion action carries no edit');

    const fixed = applyEdits(text, editsFor(action.edit, uri));
    assert.notEqual(fixed, text, 'the exclusion action changes nothing');
    assert.equal(
        fixed.split('rulelens:').length,
        text.split('rulelens:').length,
        'the fix inserted a suppression comment rather than an exclusion',
    );
    const before = session.published.length;
    await session.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: 2 },
        contentChanges: [{ text: fixed }],
    });
    const after = await session.waitForPublish(uri, () => true, before, 'a publish after the fix');
    for (const diagnostic of after) {
        assert.notEqual(diagnostic.code, lint, `still reported: ${diagnostic.message}`);
        assert.doesNotMatch(String(diagnostic.code), /^syntax\//, diagnostic.message);
    }
    assert.equal(await session.shutdown(), 0);
}

test('corpus: sigma noisy indicator range', () =>
    checkNoisyIndicator('web_get_alone.yml', 'yaml', 'cs-method'));

test('corpus: sigma field hover figures', () =>
    checkFieldHover('web_get_alone.yml', 'yaml', 'cs-method'));

test('corpus: kql noisy indicator range', () =>
    checkNoisyIndicator('iis_get_alone.kql', 'kql', 'csMethod'));

test('corpus: kql field hover figures', () =>
    checkFieldHover('iis_get_alone.kql', 'kql', 'csMethod'));

test('corpus: sigma exclusion code action', () =>
    checkExclusionFix('rdp_logon_ipv4.yml', 'yaml', MISSING_EXCLUSION));

test('corpus: sigma private range code action', () =>
    checkExclusionFix('network_rundll32.yml', 'yaml', PARTIAL_PRIVATE_RANGE));

test('corpus: kql private range code action', () =>
    checkExclusionFix('rdp_logon_public.kql', 'kql', PARTIAL_PRIVATE_RANGE));

test('technique report page for the webview', () => {
    // The command the extension runs for the report webview, and the page it shows.
    const report = spawnSync(serverBinary(), ['report', 'T1190', '--format', 'html'], {
        encoding: 'utf8',
    });
    assert.equal(report.status, 0, `rulelens report failed: ${report.stderr}`);
    assert.match(report.stdout, /T1190/);
    const page = withContentSecurityPolicy(report.stdout);
    assert.match(page, /<head[^>]*>\n<meta http-equiv="Content-Security-Policy"/);
    assert.doesNotMatch(page, /<script/i, 'the report page carries a script');
});

// Tokenizes KQL and SPL with the extension's TextMate grammars, through the same engine
// VS Code uses (vscode-textmate with the Oniguruma regex library), and checks the scopes.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const root = path.join(__dirname, '..', '..');
let registry: textmate.Registry;

before(async () => {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length));
    registry = new textmate.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
            createOnigString: (text) => new oniguruma.OnigString(text),
        }),
        loadGrammar: async (scopeName) => {
            const file = { 'source.kql': 'kql', 'source.spl': 'spl' }[scopeName];
            if (file === undefined) {
                return null;
            }
            const grammarPath = path.join(root, 'syntaxes', `${file}.tmLanguage.json`);
            return textmate.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
        },
    });
});

/** The scopes of every character of a text, by tokenizing it line by line. */
interface Tokenized {
    readonly text: string;
    /** For each line, each token's end column and scopes. */
    readonly lines: { endIndex: number; scopes: string[] }[][];
}

async function tokenize(scopeName: string, text: string): Promise<Tokenized> {
    const grammar = await registry.loadGrammar(scopeName);
    assert.ok(grammar, `grammar ${scopeName} did not load`);
    const lines = [];
    let state = textmate.INITIAL;
    for (const line of text.split('\n')) {
        const result = grammar.tokenizeLine(line, state);
        lines.push(result.tokens.map(({ endIndex, scopes }) => ({ endIndex, scopes })));
        state = result.ruleStack;
    }
    return { text, lines };
}

/** Asserts that the first character of the first `needle` in the text has `scope`. */
function assertScope(tokenized: Tokenized, needle: string, scope: string): void {
    const offset = tokenized.text.indexOf(needle);
    assert.ok(offset >= 0, `${JSON.stringify(needle)} is not in the sample`);
    const before = tokenized.text.slice(0, offset).split('\n');
    const line = before.length - 1;
    const column = before[before.length - 1].length;
    const token = tokenized.lines[line].find(({ endIndex }) => endIndex > column);
    const found = token?.scopes ?? [];
    assert.ok(
        found.some((name) => name.startsWith(scope)),
        `${JSON.stringify(needle)} has scopes ${JSON.stringify(found)}, expected ${scope}`,
    );
}

test('kql keywords operators and comments', async () => {
    const scopes = await tokenize(
        'source.kql',
        'DeviceProcessEvents // recent\n| where FileName !in~ ("a.exe") and Count >= 5\n' +
            '| summarize count() by bin(Timestamp, 1h)\nlet limit = 10;',
    );
    assertScope(scopes, '// recent', 'comment.line.double-slash.kql');
    assertScope(scopes, 'where', 'keyword.control.tabular.kql');
    assertScope(scopes, 'summarize', 'keyword.control.tabular.kql');
    assertScope(scopes, '!in~', 'keyword.operator.string.kql');
    assertScope(scopes, '>=', 'keyword.operator.comparison.kql');
    assertScope(scopes, 'and', 'keyword.operator.logical.kql');
    assertScope(scopes, 'let', 'keyword.other.statement.kql');
    assertScope(scopes, '1h', 'constant.numeric.timespan.kql');
    assertScope(scopes, 'count', 'support.function.kql');
});

test('kql strings in every form', async () => {
    const scopes = await tokenize(
        'source.kql',
        [
            'print a = "x\\"y", b = \'q\', c = @"C:\\dir ""quoted""", d = @\'v\'',
            'print e = h"secret", f = h@\'hidden\'',
            'print g = ```line one',
            'line two ```, h = ~~~tilde~~~',
        ].join('\n'),
    );
    assertScope(scopes, '"x', 'string.quoted.double.kql');
    assertScope(scopes, '\\"', 'constant.character.escape.kql');
    assertScope(scopes, "'q'", 'string.quoted.single.kql');
    assertScope(scopes, '@"C:\\dir ', 'string.quoted.double.verbatim.kql');
    assertScope(scopes, '""', 'constant.character.escape.kql');
    assertScope(scopes, "@'v'", 'string.quoted.single.verbatim.kql');
    assertScope(scopes, 'h"secret"', 'string.quoted.double.kql');
    assertScope(scopes, "h@'hidden'", 'string.quoted.single.verbatim.kql');
    assertScope(scopes, '```line one', 'string.quoted.other.multiline.kql');
    assertScope(scopes, 'line two ```', 'string.quoted.other.multiline.kql');
    assertScope(scopes, '~~~tilde~~~', 'string.quoted.other.multiline.kql');
});

test('spl commands macros and subsearches', async () => {
    const scopes = await tokenize(
        'source.spl',
        '`sysmon` EventCode=1 NOT user="SYSTEM" ```why``` ' +
            '[ search index=ad | fields host ] | `drop_dm_object_name(Processes)` ' +
            '| stats count by host | where count > 5 | eval x=lower($tok$)',
    );
    assertScope(scopes, 'sysmon', 'entity.name.function.macro.spl');
    assertScope(scopes, 'drop_dm_object_name', 'entity.name.function.macro.spl');
    assertScope(scopes, 'Processes', 'meta.macro.spl');
    assertScope(scopes, '```why```', 'comment.block.spl');
    assertScope(scopes, '[', 'punctuation.section.subsearch.begin.spl');
    assertScope(scopes, 'search', 'keyword.control.command.spl');
    assertScope(scopes, 'fields', 'keyword.control.command.spl');
    assertScope(scopes, ']', 'punctuation.section.subsearch.end.spl');
    assertScope(scopes, 'index', 'meta.subsearch.spl');
    assertScope(scopes, 'stats', 'keyword.control.command.spl');
    assertScope(scopes, 'NOT', 'keyword.operator.logical.spl');
    assertScope(scopes, '"SYSTEM"', 'string.quoted.double.spl');
    assertScope(scopes, 'lower', 'support.function.spl');
    assertScope(scopes, '$tok$', 'variable.other.token.spl');
});

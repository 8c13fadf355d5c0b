// Validates real `rulelens check --format sarif` output against the SARIF 2.1.0 JSON schema
// (the rtm.5 text that Microsoft's @microsoft/jest-sarif package ships) and checks what GitHub
// code scanning needs beyond the schema. The binary is RULELENS_BIN, else
// target/debug/rulelens; the corpus is RULELENS_CORPUS, else ../shared/corpus beside the
// repository.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const repository = path.resolve(__dirname, '..', '..', '..', '..');

/** Corpus rules that raise findings of several lints, one of them with KQL syntax errors. */
const CORPUS_RULES = [
    'kusto/cloudflare+Azure-Sentinel/Solutions/ApacheHTTPServer/Analytic Rules/ApacheRequestFromPrivateIP.yaml',
    'kusto/cloudflare+Azure-Sentinel/Detections/ASimWebSession/PotentiallyHarmfulFileTypes.yaml',
    'sigma/SigmaHQ+sigma/rules/windows/dns_query/dns_query_win_regsvr32_dns_query.yml',
    'splunk/splunk+security_content/detections/endpoint/powershell_4104_hunting.yml',
];

function binary(): string {
    const found = process.env.RULELENS_BIN || path.join(repository, 'target', 'debug', 'rulelens');
    assert.ok(
        fs.existsSync(found),
        `rulelens binary not found at ${found}: run cargo build -p rulelens or set RULELENS_BIN`,
    );
    return found;
}

function corpus(): string {
    const dir = process.env.RULELENS_CORPUS || path.join(repository, '..', 'shared', 'corpus');
    assert.ok(fs.existsSync(dir), `rule corpus not found at ${dir}: set RULELENS_CORPUS`);
    return dir;
}

function sarifSchema(): object {
    const file = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    return JSON.parse(fs.readFileSync(file, 'utf8')) as object;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Copies the corpus rules and a KQL file with a syntax error into a scratch folder, then runs
 * the check there on relative paths, as a CI job runs it from the repository root.
 */
function checkScratchFolder(): Json {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rulelens-sarif-'));
    const rules = path.join(root, 'rules');
    for (const relative of CORPUS_RULES) {
        const source = path.join(corpus(), relative);
        assert.ok(fs.existsSync(source), `corpus rule missing: ${source}`);
        // Keep the folder names, spaces included, so that URI encoding is exercised.
        const target = path.join(rules, relative);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(source, target);
    }
    fs.writeFileSync(
        path.join(rules, 'broken query.kql'),
        'SecurityEvent\n| where (EventID == 4625\n',
    );
    const result = spawnSync(binary(), ['check', '--format', 'sarif', 'rules'], {
        cwd: root,
        encoding: 'utf8',
    });
    fs.rmSync(root, { recursive: true, force: true });
    assert.equal(result.status, 1, `expected exit 1 for syntax errors: ${result.stderr}`);
    return JSON.parse(result.stdout) as Json;
}

const log = checkScratchFolder();

test('sarif output matches 2.1.0 schema', () => {
    // The schema's `language` pattern has a stray `]` that only non-Unicode regular
    // expressions accept, so Ajv must compile patterns without the `u` flag.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(sarifSchema());
    const valid = validate(log);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
});

test('sarif output covers findings and errors', () => {
    const results: Json[] = log.runs[0].results;
    const lints = new Set(results.map((result) => result.ruleId as string));
    assert.ok(lints.has('corpus/noisy-indicator-alone'), [...lints].join(', '));
    assert.ok(
        [...lints].some((id) => id.startsWith('syntax/kql-')),
        `no KQL syntax error among ${[...lints].join(', ')}`,
    );
    assert.ok(
        results.some((result) => result.level === 'error'),
        'no result at error level',
    );
});

test('sarif results meet code scanning needs', () => {
    const run = log.runs[0];
    const rules: Json[] = run.tool.driver.rules;
    const root: string = run.originalUriBaseIds['%SRCROOT%'].uri;
    assert.match(root, /^file:\/\/\/.*\/$/);
    for (const result of run.results as Json[]) {
        const where = JSON.stringify(result.locations);
        assert.equal(rules[result.ruleIndex].id, result.ruleId, where);
        const location = result.locations[0].physicalLocation.artifactLocation;
        assert.equal(location.uriBaseId, '%SRCROOT%', where);
        assert.match(location.uri, /^rules\//, where);
        assert.doesNotMatch(location.uri, /[ \\]/, where);
        const fingerprint: string = result.partialFingerprints['rulelensFinding/v1'];
        assert.match(fingerprint, /^[0-9a-f]{16}:\d+$/, where);
    }
    const fingerprints = (run.results as Json[]).map(
        (result) => result.partialFingerprints['rulelensFinding/v1'],
    );
    assert.equal(new Set(fingerprints).size, fingerprints.length, 'fingerprints repeat');
    for (const rule of rules) {
        assert.ok(rule.shortDescription?.text, `${rule.id} has no short description`);
        assert.ok(rule.help?.markdown, `${rule.id} has no help`);
    }
});

// Unit tests of the parts of the extension that do not need VS Code: the settings object,
// rule detection, technique ids and the server path.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { withContentSecurityPolicy } from '../src/reportHtml';
import { RuleDocumentFilter, ruleFormat } from '../src/ruleDetection';
import { resolveServer } from '../src/serverPath';
import { buildServerSettings, lookupIn } from '../src/settings';
import { parseTechnique, techniqueAt, techniquesIn } from '../src/technique';

test('settings nest under server keys', () => {
    const { settings, problems } = buildServerSettings(
        lookupIn({
            debounceMs: 40,
            logLevel: 'rulelens=debug',
            lints: { 'corpus/noisy-indicator-alone': 'error' },
            'thresholds.noisyIndicatorReach': 150,
            'thresholds.missingExclusionShare': 0.3,
            'index.extra': ['team.rlidx'],
            'index.replaceDefault': true,
            'files.exclude': ['**/old/**'],
        }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
        debounceMs: 40,
        logLevel: 'rulelens=debug',
        lints: { 'corpus/noisy-indicator-alone': 'error' },
        thresholds: { 'noisy-indicator-reach': 150, 'missing-exclusion-share': 0.3 },
        index: { extra: ['team.rlidx'], 'replace-default': true },
        files: { exclude: ['**/old/**'] },
    });
});

test('settings leave out unset keys', () => {
    const { settings, problems } = buildServerSettings(
        lookupIn({ 'thresholds.noisyIndicatorReach': null }),
    );
    assert.deepEqual(settings, {});
    assert.deepEqual(problems, []);
});

test('settings of wrong type are named', () => {
    const { settings, problems } = buildServerSettings(
        lookupIn({
            debounceMs: 'fast',
            'thresholds.missingExclusionShare': 3,
            lints: { 'corpus/noisy-indicator-alone': 'loud' },
            'index.extra': 'one.rlidx',
            'thresholds.minPeers': 2,
        }),
    );
    assert.deepEqual(settings, { thresholds: { 'min-peers': 2 } });
    assert.equal(problems.length, 4);
    assert.match(problems[0], /rulelens\.debounceMs = "fast": expected a whole number/);
    assert.match(problems[1], /rulelens\.lints .*loud/);
    assert.match(problems[2], /missingExclusionShare = 3: expected a share from 0 to 1/);
    assert.match(problems[3], /rulelens\.index\.extra = "one\.rlidx": expected a list of strings/);
});

test('rule detection by top-level keys', () => {
    assert.equal(ruleFormat('kql', ''), 'kql');
    assert.equal(ruleFormat('spl', ''), 'spl');
    assert.equal(ruleFormat('yaml', 'title: x\nlogsource:\n  product: y\ndetection:\n'), 'sigma');
    assert.equal(ruleFormat('yaml', 'id: x\r\nquery: |\r\n  T\r\n'), 'sentinel');
    assert.equal(ruleFormat('yaml', 'name: x\nsearch: index=a\n'), 'splunk');
    assert.equal(ruleFormat('yaml', 'AnalysisType: rule\n'), 'panther');
    assert.equal(ruleFormat('toml', '[metadata]\n[rule]\nquery = "a"\n'), 'elastic');
    assert.equal(ruleFormat('yaml', 'jobs:\n  test:\n    steps: []\n'), undefined);
    assert.equal(ruleFormat('yaml', '  detection:\n  logsource:\n'), undefined);
    assert.equal(ruleFormat('toml', '[package]\nname = "a"\n'), undefined);
    assert.equal(ruleFormat('json', '{"query": 1}'), undefined);
});

test('technique under cursor and in text', () => {
    const line = '    - attack.t1059.001';
    assert.equal(techniqueAt(line, 14), 'T1059.001');
    assert.equal(techniqueAt(line, 2), undefined);
    assert.equal(techniqueAt('mitre_attack_id: T1133 x', 18), 'T1133');
    assert.equal(techniqueAt('T12345', 1), undefined);
    assert.deepEqual(techniquesIn('attack.t1190\nT1190\nattack.t1059.001 xT1111'), [
        'T1190',
        'T1059.001',
    ]);
    assert.equal(parseTechnique(' t1133 '), 'T1133');
    assert.equal(parseTechnique('T1133.2'), undefined);
});

test('server path from setting or PATH', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'rulelens-path-'));
    const executable = path.join(folder, 'rulelens');
    fs.writeFileSync(executable, '#!/bin/sh\n', { mode: 0o755 });
    const plain = path.join(folder, 'plain');
    fs.writeFileSync(plain, '', { mode: 0o644 });

    assert.deepEqual(resolveServer('', `/nonexistent${path.delimiter}${folder}`), {
        path: executable,
    });
    assert.deepEqual(resolveServer('rulelens', undefined, folder), { path: executable });
    const missing = resolveServer(undefined, '/nonexistent');
    assert.ok('problem' in missing && /not found on PATH/.test(missing.problem));
    const notExecutable = resolveServer(plain, undefined);
    assert.ok('problem' in notExecutable && /not an executable file/.test(notExecutable.problem));
    const wrongType = resolveServer(42, undefined);
    assert.ok('problem' in wrongType && /rulelens\.server\.path is 42/.test(wrongType.problem));
    fs.rmSync(folder, { recursive: true });
});

test('report page gets a content security policy', () => {
    const page = withContentSecurityPolicy('<html><head><title>T</title></head></html>');
    assert.match(
        page,
        /<head>\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'/,
    );
    const fragment = withContentSecurityPolicy('<p>x</p>');
    assert.match(fragment, /^<!DOCTYPE html><html><head><meta http-equiv/);
    assert.match(fragment, /<body><p>x<\/p><\/body>/);
});

test('document filter holds non-rules', () => {
    const filter = new RuleDocumentFilter();
    assert.equal(filter.opened('file:///rule.yml', true), 'send');
    assert.equal(filter.changed('file:///rule.yml', false), 'send');
    assert.equal(filter.closed('file:///rule.yml'), 'send');

    assert.equal(filter.opened('file:///ci.yml', false), 'drop');
    assert.equal(filter.changed('file:///ci.yml', false), 'drop');
    assert.equal(filter.saved('file:///ci.yml'), 'drop');
    assert.equal(filter.changed('file:///ci.yml', true), 'open');
    assert.equal(filter.changed('file:///ci.yml', true), 'send');
    assert.equal(filter.saved('file:///ci.yml'), 'send');
    assert.equal(filter.closed('file:///ci.yml'), 'send');

    assert.equal(filter.opened('file:///other.toml', false), 'drop');
    assert.equal(filter.closed('file:///other.toml'), 'drop');
    assert.equal(filter.opened('file:///other.toml', false), 'drop');
});

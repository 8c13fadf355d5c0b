// Checks that the settings in package.json, the extension's mapping to server keys and the
// keys the server reads agree. The server's keys are read from its Rust source: the serde
// structs of `.rulelens.toml` in analysis/src/config.rs, and the keys the language server
// looks up with `.get("...")` in server/src/lsp/config.rs. When either side changes, this
// test fails and names the key.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLIENT_SETTINGS, SERVER_SETTINGS, SettingType } from '../src/settings';

const extensionRoot = path.resolve(__dirname, '..', '..');
const repository = path.resolve(extensionRoot, '..', '..');

interface RustField {
    readonly key: string;
    readonly type: string;
}

function kebabCase(name: string): string {
    return name.replace(/_/g, '-');
}

/** Returns the fields of every `struct` in Rust source, by struct name, with serde names. */
export function rustStructs(source: string): Map<string, RustField[]> {
    const structs = new Map<string, RustField[]>();
    const pattern =
        /((?:#\[[^\]]*\]\s*|\/\/\/[^\n]*\n\s*)*)(?:pub\s+)?struct\s+(\w+)\s*\{([^}]*)\}/g;
    for (const match of source.matchAll(pattern)) {
        const [, attributes, name, body] = match;
        const kebab = /rename_all\s*=\s*"kebab-case"/.test(attributes);
        const fields: RustField[] = [];
        let rename: string | undefined;
        for (const rawLine of body.split('\n')) {
            const line = rawLine.trim();
            const renamed = /#\[serde\([^)]*\brename\s*=\s*"([^"]+)"/.exec(line);
            if (renamed) {
                rename = renamed[1];
                continue;
            }
            const field = /^(?:pub(?:\([^)]*\))?\s+)?(\w+)\s*:\s*(.+?),?$/.exec(line);
            if (!field || line.startsWith('//')) {
                continue;
            }
            const key = rename ?? (kebab ? kebabCase(field[1]) : field[1]);
            fields.push({ key, type: field[2] });
            rename = undefined;
        }
        structs.set(name, fields);
    }
    return structs;
}

/** Returns the dotted keys of `.rulelens.toml`, from the struct the configuration parses. */
export function configFileKeys(source: string): string[] {
    const structs = rustStructs(source);
    const root = structs.get('RawConfig');
    assert.ok(root, 'struct RawConfig not found in analysis/src/config.rs');
    const keys: string[] = [];
    for (const section of root) {
        const nested = structs.get(section.type.trim());
        if (nested === undefined) {
            keys.push(section.key);
            continue;
        }
        for (const field of nested) {
            keys.push(`${section.key}.${field.key}`);
        }
    }
    return keys;
}

/** Returns the top-level keys the language server reads with `.get("...")`. */
export function languageServerKeys(sources: string[]): string[] {
    const keys = new Set<string>();
    for (const source of sources) {
        for (const match of source.matchAll(/\.get\(\s*"([A-Za-z0-9_-]+)"\s*\)/g)) {
            keys.add(match[1]);
        }
    }
    // The settings may arrive wrapped in a `rulelens` section; that key holds no setting.
    keys.delete('rulelens');
    return [...keys];
}

function readServerSources(): string[] {
    const file = path.join(repository, 'server', 'src', 'lsp', 'config.rs');
    assert.ok(
        fs.existsSync(file),
        `${file} not found: the language server settings are not in this checkout, so their keys cannot be compared`,
    );
    return [fs.readFileSync(file, 'utf8')];
}

function serverKeys(): Set<string> {
    const config = fs.readFileSync(path.join(repository, 'analysis', 'src', 'config.rs'), 'utf8');
    const fileKeys = configFileKeys(config);
    assert.ok(fileKeys.length > 0, 'no .rulelens.toml keys found in analysis/src/config.rs');
    const keys = new Set(fileKeys);
    for (const key of languageServerKeys(readServerSources())) {
        // A section name such as `thresholds` read with `.get` is covered by its nested keys.
        if (![...keys].some((known) => known.startsWith(`${key}.`))) {
            keys.add(key);
        }
    }
    return keys;
}

const JSON_TYPES: Record<SettingType, string> = {
    integer: 'integer',
    number: 'number',
    share: 'number',
    boolean: 'boolean',
    string: 'string',
    'string-array': 'array',
    'lint-levels': 'object',
};

test('rust struct fields with serde names', () => {
    const structs = rustStructs(
        '#[derive(Deserialize)]\n#[serde(rename_all = "kebab-case")]\npub struct A {\n' +
            '    /// Doc.\n    pub first_key: u32,\n    #[serde(rename = "other")]\n' +
            '    second: Vec<String>,\n}\nstruct B { plain_name: bool }\n',
    );
    assert.deepEqual(structs.get('A'), [
        { key: 'first-key', type: 'u32' },
        { key: 'other', type: 'Vec<String>' },
    ]);
    assert.deepEqual(structs.get('B'), [{ key: 'plain_name', type: 'bool' }]);
    assert.deepEqual(
        languageServerKeys(['x.get("rulelens"); o.get("debounce-ms"); o.get("log-level")']),
        ['debounce-ms', 'log-level'],
    );
});

test('package settings match extension mapping', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(extensionRoot, 'package.json'), 'utf8'));
    const properties: Record<string, { type?: string | string[]; items?: { type?: string } }> =
        manifest.contributes.configuration.properties;
    const declared = Object.keys(properties).map((name) => name.replace(/^rulelens\./, ''));
    const mapped = [...SERVER_SETTINGS.map((entry) => entry.setting), ...CLIENT_SETTINGS];

    for (const name of declared) {
        assert.ok(
            mapped.includes(name),
            `package.json declares rulelens.${name}, which is not sent`,
        );
    }
    for (const name of mapped) {
        assert.ok(declared.includes(name), `rulelens.${name} is sent but not in package.json`);
    }
    for (const { setting, type } of SERVER_SETTINGS) {
        const property = properties[`rulelens.${setting}`];
        // A setting the server may derive itself is declared as `[type, "null"]`.
        const declaredTypes = [property.type].flat();
        assert.ok(
            declaredTypes.includes(JSON_TYPES[type]),
            `rulelens.${setting} has type ${JSON.stringify(property.type)} in package.json, ` +
                `expected ${JSON_TYPES[type]}`,
        );
        if (type === 'string-array') {
            assert.equal(property.items?.type, 'string', `rulelens.${setting} items`);
        }
    }
});

test('extension keys match server keys', () => {
    const server = serverKeys();
    const sent = new Set(SERVER_SETTINGS.map((entry) => entry.serverPath.join('.')));
    const notRead = [...sent].filter((key) => !server.has(key));
    const notSent = [...server].filter((key) => !sent.has(key));
    assert.deepEqual(notRead, [], `the extension sends keys the server does not read`);
    assert.deepEqual(notSent, [], `the server reads keys the extension has no setting for`);
});

/**
 * The server settings object that the extension sends, built from the `rulelens.*` settings.
 *
 * The server takes the keys of `.rulelens.toml` (`lints`, `thresholds`, `index`, `files`) plus
 * `debounceMs`, `logLevel` and `indexPath`, in `initializationOptions` and in
 * `workspace/didChangeConfiguration`. VS Code settings use camelCase names, so
 * {@link SERVER_SETTINGS} maps each one to its server key. Only the settings a user has set
 * are sent, so the server's defaults apply to the rest. This module does not import `vscode`,
 * so the Node tests and the drift check use it.
 */

/** The JSON type a setting must have. */
export type SettingType =
    'integer' | 'number' | 'share' | 'boolean' | 'string' | 'string-array' | 'lint-levels';

/** One VS Code setting that is sent to the server. */
export interface ServerSetting {
    /** The name under `rulelens.`, as declared in package.json. */
    readonly setting: string;
    /** The path of the key in the server settings object. */
    readonly serverPath: readonly string[];
    readonly type: SettingType;
}

/** Every setting sent to the server. The drift check compares this list with package.json
 * and with the keys the server reads. */
export const SERVER_SETTINGS: readonly ServerSetting[] = [
    { setting: 'debounceMs', serverPath: ['debounceMs'], type: 'integer' },
    { setting: 'logLevel', serverPath: ['logLevel'], type: 'string' },
    { setting: 'indexPath', serverPath: ['indexPath'], type: 'string' },
    { setting: 'lints', serverPath: ['lints'], type: 'lint-levels' },
    {
        setting: 'thresholds.noisyIndicatorReach',
        serverPath: ['thresholds', 'noisy-indicator-reach'],
        type: 'integer',
    },
    {
        setting: 'thresholds.missingExclusionShare',
        serverPath: ['thresholds', 'missing-exclusion-share'],
        type: 'share',
    },
    { setting: 'thresholds.minPeers', serverPath: ['thresholds', 'min-peers'], type: 'integer' },
    {
        setting: 'thresholds.duplicateSimilarity',
        serverPath: ['thresholds', 'duplicate-similarity'],
        type: 'share',
    },
    { setting: 'index.extra', serverPath: ['index', 'extra'], type: 'string-array' },
    {
        setting: 'index.replaceDefault',
        serverPath: ['index', 'replace-default'],
        type: 'boolean',
    },
    { setting: 'files.include', serverPath: ['files', 'include'], type: 'string-array' },
    { setting: 'files.exclude', serverPath: ['files', 'exclude'], type: 'string-array' },
];

/** Settings that only the extension reads. */
export const CLIENT_SETTINGS: readonly string[] = ['server.path', 'trace.server'];

/** The lint levels the server accepts. */
export const LINT_LEVELS: readonly string[] = ['error', 'warning', 'info', 'hint', 'off'];

/** A JSON object as sent to the server. */
export type JsonObject = { [key: string]: unknown };

/** The settings object and a message for each setting that was left out. */
export interface BuiltSettings {
    readonly settings: JsonObject;
    readonly problems: string[];
}

/** Returns the value a user set for `rulelens.<setting>`, or undefined when it is unset. */
export type SettingLookup = (setting: string) => unknown;

function describe(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

/** Returns why `value` does not have `type`, or undefined when it has. */
export function typeProblem(type: SettingType, value: unknown): string | undefined {
    switch (type) {
        case 'integer':
            return Number.isInteger(value) && (value as number) >= 0
                ? undefined
                : 'expected a whole number of 0 or more';
        case 'number':
            return typeof value === 'number' && Number.isFinite(value)
                ? undefined
                : 'expected a number';
        case 'share':
            return typeof value === 'number' && value >= 0 && value <= 1
                ? undefined
                : 'expected a share from 0 to 1';
        case 'boolean':
            return typeof value === 'boolean' ? undefined : 'expected true or false';
        case 'string':
            return typeof value === 'string' ? undefined : 'expected a string';
        case 'string-array':
            return Array.isArray(value) && value.every((item) => typeof item === 'string')
                ? undefined
                : 'expected a list of strings';
        case 'lint-levels':
            return lintLevelsProblem(value);
    }
}

function lintLevelsProblem(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return 'expected an object that maps lint ids to levels';
    }
    for (const [id, level] of Object.entries(value)) {
        if (typeof level !== 'string' || !LINT_LEVELS.includes(level)) {
            return `level of ${id} is ${describe(level)}: use ${LINT_LEVELS.join(', ')}`;
        }
    }
    return undefined;
}

function setPath(target: JsonObject, path: readonly string[], value: unknown): void {
    let object = target;
    for (const key of path.slice(0, -1)) {
        const next = object[key];
        if (typeof next !== 'object' || next === null) {
            object[key] = {};
        }
        object = object[key] as JsonObject;
    }
    object[path[path.length - 1]] = value;
}

/**
 * Builds the server settings object from the settings a user set. A value of the wrong type
 * is left out with a message naming the setting, so the other settings still apply.
 */
export function buildServerSettings(lookup: SettingLookup): BuiltSettings {
    const settings: JsonObject = {};
    const problems: string[] = [];
    for (const { setting, serverPath, type } of SERVER_SETTINGS) {
        const value = lookup(setting);
        // VS Code stores `null` for a setting reset to "no value", which leaves it to the server.
        if (value === undefined || value === null) {
            continue;
        }
        const problem = typeProblem(type, value);
        if (problem !== undefined) {
            problems.push(`ignored setting rulelens.${setting} = ${describe(value)}: ${problem}`);
            continue;
        }
        setPath(settings, serverPath, value);
    }
    return { settings, problems };
}

/** Returns a lookup over a flat object of settings, for tests and other clients. */
export function lookupIn(values: { readonly [setting: string]: unknown }): SettingLookup {
    return (setting) => values[setting];
}

/**
 * Decides whether a document holds a detection rule that the server reads.
 *
 * The extension attaches to every YAML and TOML document, and sends only those whose
 * top-level keys make them rules: Sigma `detection:` with `logsource:`, Sentinel `query:`,
 * Splunk `search:`, Panther `AnalysisType:`, or an Elastic `[rule]` table. The server applies
 * the same test, so CI pipelines and manifests never reach it.
 */

/** Lines read from the top of a document; rules are far shorter. */
export const MAX_LINES = 2000;

/** Language ids whose documents are always query text. */
const QUERY_LANGUAGES = new Set(['kql', 'spl']);

/** Returns the rule format a document holds, or undefined when it holds no rule. */
export function ruleFormat(languageId: string, text: string): string | undefined {
    if (QUERY_LANGUAGES.has(languageId)) {
        return languageId;
    }
    if (languageId !== 'yaml' && languageId !== 'toml') {
        return undefined;
    }

    const keys = new Set<string>();
    const lines = text.split(/\r?\n/, MAX_LINES);
    for (const line of lines) {
        const key = /^([A-Za-z0-9_]+):/.exec(line);
        if (key) {
            keys.add(key[1]);
        }
        if (/^\[rule\]\s*$/.test(line)) {
            keys.add('[rule]');
        }
    }

    if (languageId === 'toml') {
        return keys.has('[rule]') ? 'elastic' : undefined;
    }
    if (keys.has('detection') && keys.has('logsource')) {
        return 'sigma';
    }
    if (keys.has('AnalysisType')) {
        return 'panther';
    }
    if (keys.has('query')) {
        return 'sentinel';
    }
    if (keys.has('search')) {
        return 'splunk';
    }
    return undefined;
}

/** What to do with a document notification. */
export type Forwarding = 'send' | 'open' | 'drop';

/**
 * Tracks the YAML and TOML documents that are open but hold no rule, so that their
 * notifications are dropped until they become rules, when the document is opened on the
 * server with its whole text.
 */
export class RuleDocumentFilter {
    private readonly withoutRules = new Set<string>();

    /** Returns `send` for a rule, else remembers the document and returns `drop`. */
    opened(uri: string, isRule: boolean): Forwarding {
        if (isRule) {
            return 'send';
        }
        this.withoutRules.add(uri);
        return 'drop';
    }

    /** Returns `open` when a held document became a rule, `drop` while it is none. */
    changed(uri: string, isRule: boolean): Forwarding {
        if (!this.withoutRules.has(uri)) {
            return 'send';
        }
        if (!isRule) {
            return 'drop';
        }
        this.withoutRules.delete(uri);
        return 'open';
    }

    /** Returns `drop` for a save of a document the server never saw. */
    saved(uri: string): Forwarding {
        return this.withoutRules.has(uri) ? 'drop' : 'send';
    }

    /** Forgets the document; returns `drop` when the server never saw it. */
    closed(uri: string): Forwarding {
        return this.withoutRules.delete(uri) ? 'drop' : 'send';
    }
}

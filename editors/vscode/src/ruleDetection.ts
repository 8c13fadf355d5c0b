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

/** ATT&CK technique ids in rule text, for the technique report command. */

// `T1059` or `T1059.001`, also written `attack.t1059.001` in Sigma tags.
const TECHNIQUE = /(?<![A-Za-z0-9])[tT](\d{4})(?:\.(\d{3}))?(?![0-9])/g;

function normalize(match: RegExpExecArray): string {
    return match[2] ? `T${match[1]}.${match[2]}` : `T${match[1]}`;
}

/** Returns the technique id that covers `column` (0-based, UTF-16) in `line`, if any. */
export function techniqueAt(line: string, column: number): string | undefined {
    for (const match of line.matchAll(TECHNIQUE)) {
        const start = match.index ?? 0;
        if (column >= start && column <= start + match[0].length) {
            return normalize(match as RegExpExecArray);
        }
    }
    return undefined;
}

/** Returns the distinct technique ids in `text`, in order of first appearance. */
export function techniquesIn(text: string): string[] {
    const found: string[] = [];
    for (const match of text.matchAll(TECHNIQUE)) {
        const id = normalize(match as RegExpExecArray);
        if (!found.includes(id)) {
            found.push(id);
        }
    }
    return found;
}

/** Returns the id in canonical form when `text` is a technique id, else undefined. */
export function parseTechnique(text: string): string | undefined {
    const match = /^[tT](\d{4})(?:\.(\d{3}))?$/.exec(text.trim());
    if (!match) {
        return undefined;
    }
    return match[2] ? `T${match[1]}.${match[2]}` : `T${match[1]}`;
}

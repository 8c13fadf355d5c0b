//! Documentation of the syntax errors the KQL front end reports while parsing a `.kql` file or
//! the `query:` of a Sentinel rule. The parser emits them; nothing here runs a check.

use super::LintInfo;
use rulelens_syntax::Severity;

pub const UNBALANCED_BRACKETS: LintInfo = LintInfo {
    id: "syntax/kql-unbalanced-brackets",
    default_severity: Severity::Error,
    summary: "a bracket is never closed, or closes nothing",
    docs: "## What it flags\n\nAn opening `(`, `[` or `{` without its closing bracket, or a \
closing bracket with no opening one. The range is the bracket itself.\n\n## Why it matters\n\n\
Kusto rejects the query, so the rule never runs; RuleLens also cannot tell which operators the \
bracket was meant to group.\n\n## Example\n\n```kusto\nSecurityEvent\n| where (EventID == 4625\n\
```\n\n## Fix\n\nAdd the matching bracket, or remove the stray one.\n",
};

pub const UNTERMINATED_STRING: LintInfo = LintInfo {
    id: "syntax/kql-unterminated-string",
    default_severity: Severity::Error,
    summary: "a string literal has no closing quote",
    docs: "## What it flags\n\nA `'...'`, `\"...\"`, `@'...'`, `h'...'` string that reaches the \
end of its line, or a ```` ``` ```` string that reaches the end of the query, without its \
closing quote. The range runs from the opening quote.\n\n## Why it matters\n\nKQL strings \
cannot span lines, so everything after the quote is read as part of the string and the query \
does not compile.\n\n## Example\n\n```kusto\nDeviceProcessEvents\n| where FileName == \
\"cmd.exe\n```\n\n## Fix\n\nClose the string with the same quote it opened with. Use a \
verbatim string (`@\"C:\\\\Temp\"`) for backslashes and ```` ``` ```` for text over several \
lines.\n",
};

pub const MISSING_OPERAND: LintInfo = LintInfo {
    id: "syntax/kql-missing-operand",
    default_severity: Severity::Error,
    summary: "an operator or keyword has nothing to work on",
    docs: "## What it flags\n\nAn operator such as `==`, `has` or `and`, or a keyword such as \
`where` or `let`, followed by nothing it can use: the end of the query, a `|`, a `)`. The \
range is the operator or keyword.\n\n## Why it matters\n\nThe query does not compile, and a \
half-written filter usually means a condition the author meant to add is missing.\n\n## \
Example\n\n```kusto\nSigninLogs\n| where ResultType ==\n| take 10\n```\n\n## Fix\n\nWrite the \
value the operator compares with, or remove the operator.\n",
};

pub const UNKNOWN_OPERATOR: LintInfo = LintInfo {
    id: "syntax/kql-unknown-operator",
    default_severity: Severity::Error,
    summary: "the word after `|` is not a tabular operator",
    docs: "## What it flags\n\nA name after `|` that is not a KQL tabular operator, often a \
typo (`wher`) or a function name used as an operator.\n\n## Why it matters\n\nKusto rejects \
the query. RuleLens skips the step, so any filter written there is missing from the rule's \
analysis.\n\n## Example\n\n```kusto\nSecurityEvent\n| wher EventID == 4688\n```\n\n## Fix\n\n\
Correct the operator name (`where`, `extend`, `project`, `summarize`, ...).\n",
};

pub const EMPTY_PIPE: LintInfo = LintInfo {
    id: "syntax/kql-empty-pipe",
    default_severity: Severity::Error,
    summary: "a `|` with no operator after it",
    docs: "## What it flags\n\nA `|` followed by another `|`, a `;`, a `)` or the end of the \
query. The range is the `|`.\n\n## Why it matters\n\nKusto rejects the query; the usual \
cause is a step deleted while editing.\n\n## Example\n\n```kusto\nSecurityEvent\n|\n| where \
EventID == 4625\n```\n\n## Fix\n\nRemove the `|`, or write the operator that belongs \
there.\n",
};

pub const UNEXPECTED_TOKEN: LintInfo = LintInfo {
    id: "syntax/kql-unexpected-token",
    default_severity: Severity::Error,
    summary: "a token that cannot appear at this place",
    docs: "## What it flags\n\nA token left over after a complete operator or statement, such \
as two column names in a row, a value with no operator before it, or a character KQL does \
not use outside strings. The range is the token.\n\n## Why it matters\n\nKusto rejects the \
query, and what the author meant is ambiguous: RuleLens skips to the next operator.\n\n## \
Example\n\n```kusto\nCiscoDuo\n| where DvcAction \"user_create\"\n```\n\n## Fix\n\nAdd the \
missing `,`, operator or `;`, or remove the token.\n",
};

pub const NESTING_TOO_DEEP: LintInfo = LintInfo {
    id: "syntax/kql-nesting-too-deep",
    default_severity: Severity::Warning,
    summary: "brackets or function calls nested deeper than RuleLens analyses",
    docs: "## What it flags\n\nNesting of brackets, calls, function bodies or unary operators \
deeper than 128 levels. The range is where the limit was reached.\n\n## Why it matters\n\n\
RuleLens skips what is nested deeper, so predicates inside it are not analysed. Real rules \
stay far below the limit; this usually means generated or corrupted text.\n\n## Example\n\n\
A `where` clause with 200 levels of `(`.\n\n## Fix\n\nFlatten the expression, or move parts \
of it into `let` statements.\n",
};

pub const QUERY_NOT_STRING: LintInfo = LintInfo {
    id: "syntax/kql-query-not-string",
    default_severity: Severity::Error,
    summary: "the `query:` of a Sentinel rule is not a string",
    docs: "## What it flags\n\nA Sentinel rule whose `query:` key holds a number, a boolean, a \
list, a mapping or nothing. The range is the value, or the key when the value is empty.\n\n\
## Why it matters\n\nSentinel cannot deploy the rule, and RuleLens has no query to analyse.\n\n\
## Example\n\n```yaml\nquery:\n  - SecurityEvent\n  - where EventID == 4625\n```\n\n## Fix\n\n\
Write the query as a literal block scalar:\n\n```yaml\nquery: |\n  SecurityEvent\n  | where \
EventID == 4625\n```\n",
};

pub const INVALID_YAML: LintInfo = LintInfo {
    id: "syntax/kql-invalid-yaml",
    default_severity: Severity::Error,
    summary: "a Sentinel rule file is not valid YAML",
    docs: "## What it flags\n\nThe first YAML syntax error in a Sentinel rule file. RuleLens \
still looks for a top-level `query:` line and analyses that query, but reads no other \
metadata.\n\n## Why it matters\n\nSentinel and its deployment tools reject the file.\n\n## \
Example\n\n```yaml\nname: [unclosed\nquery: |\n  SecurityEvent\n```\n\n## Fix\n\nCorrect the \
YAML at the reported position; quote values that contain `: ` or start with `[`, `{` or \
`'`.\n",
};

#[cfg(test)]
mod tests {
    use crate::lints::{find_lint, Check};
    use rulelens_syntax::{parse, Format};

    #[test]
    fn every_reported_kql_lint_is_registered() {
        let broken = [
            (Format::Kql, "T | where (A == 'x"),
            (Format::Kql, "T | where A == | wher B\n|\n| take 1)"),
            (Format::Kql, "T | where A B"),
            (Format::Kql, &format!("T | where {}", "(".repeat(300))),
            (Format::SentinelYaml, "id: x\nquery: 42\n"),
            (Format::SentinelYaml, "name: [x\nquery: |\n  T\n"),
        ];
        let mut seen = Vec::new();
        for (format, text) in broken {
            for diagnostic in parse(format, text).diagnostics {
                seen.push(diagnostic.lint);
            }
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 9, "{seen:?}");
        for id in seen {
            let lint = find_lint(id).unwrap_or_else(|| panic!("{id} is not registered"));
            assert!(matches!(lint.check, Check::Parser), "{id}");
        }
    }
}

//! Syntax errors the Elastic and Panther front ends report while parsing. The parsers emit
//! them; these entries document them for `rulelens explain` and configuration.

use super::LintInfo;
use rulelens_syntax::elastic::{eql, esql, kuery, lucene};
use rulelens_syntax::panther::{detection, sql, yaml};
use rulelens_syntax::{elastic, Severity};

pub const ELASTIC_INVALID_TOML: LintInfo = LintInfo {
    id: elastic::INVALID_TOML,
    default_severity: Severity::Error,
    summary: "the Elastic rule file is not valid TOML",
    docs: "## What it flags\n\nThe first position where the file stops being valid TOML: an \
unclosed string, a missing `=`, a key defined twice.\n\n## Why it matters\n\nThe detection-rules \
tooling and Kibana reject the whole file, so the rule is never deployed.\n\n## Example\n\n\
```toml\n[rule]\nname = \"Unclosed\n```\n\n## Fix\n\nClose the string or correct the key at the \
reported position.\n",
};

pub const ELASTIC_MISSING_RULE_TABLE: LintInfo = LintInfo {
    id: elastic::MISSING_RULE_TABLE,
    default_severity: Severity::Error,
    summary: "the Elastic rule file has no `[rule]` table",
    docs: "## What it flags\n\nA `.toml` rule file without a `[rule]` table.\n\n## Why it \
matters\n\nEvery field of a detection rule (name, query, severity) lives under `[rule]`; without \
it there is no rule.\n\n## Example\n\n```toml\n[metadata]\nmaturity = \"production\"\n```\n\n\
## Fix\n\nAdd the `[rule]` table with the rule's fields.\n",
};

pub const ELASTIC_MISSING_QUERY: LintInfo = LintInfo {
    id: elastic::MISSING_QUERY,
    default_severity: Severity::Error,
    summary: "the rule names a query language but has no `query`",
    docs: "## What it flags\n\nA rule with `language = ...` and no `query` key.\n\n## Why it \
matters\n\nA query rule without a query cannot match anything; only machine-learning rules go \
without one.\n\n## Example\n\n```toml\n[rule]\nlanguage = \"eql\"\ntype = \"eql\"\n```\n\n## Fix\n\n\
Add the `query`, or remove `language` from a machine-learning rule.\n",
};

pub const ELASTIC_UNKNOWN_LANGUAGE: LintInfo = LintInfo {
    id: elastic::UNKNOWN_LANGUAGE,
    default_severity: Severity::Error,
    summary: "the rule's `language` is not one Elastic runs",
    docs: "## What it flags\n\nA `language` other than `kuery`, `eql`, `esql` or `lucene`, or a \
`query` without any `language`.\n\n## Why it matters\n\nKibana rejects the rule, and RuleLens \
cannot read its query, so the query's logic is unknown to every other check.\n\n## Example\n\n\
```toml\nlanguage = \"kql\"\n```\n\n## Fix\n\nUse `kuery` for Kibana Query Language, or the \
language the query is written in.\n",
};

pub const ELASTIC_WRONG_TYPE: LintInfo = LintInfo {
    id: elastic::WRONG_TYPE,
    default_severity: Severity::Error,
    summary: "a rule key has a value of the wrong TOML type",
    docs: "## What it flags\n\nKeys whose value has the wrong type, such as a string \
`risk_score` or a numeric `name`.\n\n## Why it matters\n\nThe detection-rules schema rejects the \
rule, and RuleLens skips the value.\n\n## Example\n\n```toml\nrisk_score = \"high\"\n```\n\n\
## Fix\n\nWrite the value with the type the key takes: `risk_score = 73`.\n",
};

pub const LUCENE_SYNTAX_ERROR: LintInfo = LintInfo {
    id: lucene::SYNTAX_ERROR,
    default_severity: Severity::Error,
    summary: "the Lucene query does not parse",
    docs: "## What it flags\n\nAn unclosed phrase, regex or range, a missing `)`, or an \
operator without an operand in a `language = \"lucene\"` query.\n\n## Why it matters\n\n\
Elasticsearch rejects the query when the rule runs.\n\n## Example\n\n```\nprocess.name:\"cmd.exe\n\
```\n\n## Fix\n\nClose the phrase, group or range at the reported position.\n",
};

pub const KUERY_UNTERMINATED_STRING: LintInfo = LintInfo {
    id: kuery::UNTERMINATED_STRING,
    default_severity: Severity::Error,
    summary: "a quoted kuery value has no closing quote",
    docs: "## What it flags\n\nA `\"` in a kuery query without its closing `\"`.\n\n## Why it \
matters\n\nKibana rejects the query; the rest of the query is swallowed by the open value.\n\n\
## Example\n\n```\nprocess.name:\"cmd.exe and user.name:bob\n```\n\n## Fix\n\nAdd the closing \
`\"`.\n",
};

pub const KUERY_UNEXPECTED_TOKEN: LintInfo = LintInfo {
    id: kuery::UNEXPECTED_TOKEN,
    default_severity: Severity::Error,
    summary: "the kuery query has a token where another was expected",
    docs: "## What it flags\n\nA token the Kibana Query Language grammar does not allow at its \
place: a doubled operator, a missing value after `:`, an unclosed `(` or `{`.\n\n## Why it \
matters\n\nKibana rejects the query, so the rule never runs.\n\n## Example\n\n```\n\
process.name:(a or and b)\n```\n\n## Fix\n\nRemove the stray token or add what the message \
names.\n",
};

pub const KUERY_TOO_DEEP: LintInfo = LintInfo {
    id: kuery::TOO_DEEP,
    default_severity: Severity::Error,
    summary: "the kuery query nests deeper than RuleLens reads",
    docs: "## What it flags\n\nParentheses, braces or `not`s nested more than 256 levels \
deep.\n\n## Why it matters\n\nNo real rule nests this deep; the text is most likely generated or \
broken, and RuleLens stops reading it to stay responsive.\n\n## Example\n\n\
`((((((...a:b...))))))` with hundreds of levels.\n\n## Fix\n\nFlatten the query.\n",
};

pub const EQL_UNTERMINATED_STRING: LintInfo = LintInfo {
    id: eql::LINT_IDS.unterminated_string,
    default_severity: Severity::Error,
    summary: "an EQL string has no closing quote",
    docs: "## What it flags\n\nA `\"`, `'` or `\"\"\"` string in an EQL query without its \
closing quote.\n\n## Why it matters\n\nElasticsearch rejects the query.\n\n## Example\n\n```\n\
process where process.name == \"cmd.exe\n```\n\n## Fix\n\nAdd the closing quote.\n",
};

pub const EQL_UNTERMINATED_COMMENT: LintInfo = LintInfo {
    id: eql::LINT_IDS.unterminated_comment,
    default_severity: Severity::Error,
    summary: "an EQL block comment has no closing `*/`",
    docs: "## What it flags\n\nA `/*` comment in an EQL query without `*/`.\n\n## Why it \
matters\n\nThe rest of the query becomes part of the comment and Elasticsearch rejects it.\n\n\
## Example\n\n```\nprocess where /* tuning true\n```\n\n## Fix\n\nClose the comment with `*/`.\n",
};

pub const EQL_UNEXPECTED_TOKEN: LintInfo = LintInfo {
    id: eql::LINT_IDS.unexpected_token,
    default_severity: Severity::Error,
    summary: "the EQL query has a token where another was expected",
    docs: "## What it flags\n\nA token EQL does not allow at its place: a missing event \
category or `where`, an operator without an operand, an unclosed `(` or `[`.\n\n## Why it \
matters\n\nElasticsearch rejects the query, so the rule never runs.\n\n## Example\n\n```\n\
process where process.name == \n```\n\n## Fix\n\nAdd or remove what the message names.\n",
};

pub const EQL_TOO_DEEP: LintInfo = LintInfo {
    id: eql::LINT_IDS.too_deep,
    default_severity: Severity::Error,
    summary: "the EQL query nests deeper than RuleLens reads",
    docs: "## What it flags\n\nExpressions nested more than 256 levels deep.\n\n## Why it \
matters\n\nNo real rule nests this deep; RuleLens stops reading to stay responsive.\n\n\
## Example\n\nHundreds of nested parentheses or `not`s.\n\n## Fix\n\nFlatten the query.\n",
};

pub const ESQL_UNTERMINATED_STRING: LintInfo = LintInfo {
    id: esql::LINT_IDS.unterminated_string,
    default_severity: Severity::Error,
    summary: "an ES|QL string has no closing quote",
    docs: "## What it flags\n\nA `\"` or `\"\"\"` string in an ES|QL query without its closing \
quote.\n\n## Why it matters\n\nElasticsearch rejects the query.\n\n## Example\n\n```\n\
from logs-* | where user.name == \"bob\n```\n\n## Fix\n\nAdd the closing quote.\n",
};

pub const ESQL_UNTERMINATED_COMMENT: LintInfo = LintInfo {
    id: esql::LINT_IDS.unterminated_comment,
    default_severity: Severity::Error,
    summary: "an ES|QL block comment has no closing `*/`",
    docs: "## What it flags\n\nA `/*` comment in an ES|QL query without `*/`.\n\n## Why it \
matters\n\nThe rest of the pipeline becomes part of the comment.\n\n## Example\n\n```\n\
from logs-* /* | where x == 1\n```\n\n## Fix\n\nClose the comment with `*/`.\n",
};

pub const ESQL_UNEXPECTED_TOKEN: LintInfo = LintInfo {
    id: esql::LINT_IDS.unexpected_token,
    default_severity: Severity::Error,
    summary: "the ES|QL query has a token where another was expected",
    docs: "## What it flags\n\nA token ES|QL does not allow at its place: a missing `|` \
between commands, a condition that does not end, an unclosed `(`.\n\n## Why it matters\n\n\
Elasticsearch rejects the query, so the rule never runs.\n\n## Example\n\n```\nfrom logs-* \
where x == 1\n```\n\n## Fix\n\nAdd or remove what the message names.\n",
};

pub const ESQL_TOO_DEEP: LintInfo = LintInfo {
    id: esql::LINT_IDS.too_deep,
    default_severity: Severity::Error,
    summary: "the ES|QL query nests deeper than RuleLens reads",
    docs: "## What it flags\n\nExpressions nested more than 256 levels deep.\n\n## Why it \
matters\n\nNo real rule nests this deep; RuleLens stops reading to stay responsive.\n\n\
## Example\n\nHundreds of nested `not`s.\n\n## Fix\n\nFlatten the query.\n",
};

pub const PANTHER_INVALID_YAML: LintInfo = LintInfo {
    id: yaml::INVALID_YAML,
    default_severity: Severity::Error,
    summary: "the Panther file is not valid YAML",
    docs: "## What it flags\n\nThe first position where the file stops being valid YAML, or \
nesting deeper than 256 levels. RuleLens still reads every top-level key that loads on its \
own.\n\n## Why it matters\n\n`panther_analysis_tool` rejects the file, so the detection is not \
uploaded.\n\n## Example\n\n```yaml\nTags: [AWS, \nSeverity: High\n```\n\n## Fix\n\nCorrect the \
YAML at the reported position.\n",
};

pub const PANTHER_WRONG_TYPE: LintInfo = LintInfo {
    id: detection::WRONG_TYPE,
    default_severity: Severity::Error,
    summary: "a Panther key has a value of the wrong type",
    docs: "## What it flags\n\nA key whose value has the wrong YAML type: `Enabled` that is not a \
boolean, `Values` that is not a list, a `Detection` item that is not a mapping.\n\n## Why it \
matters\n\nPanther rejects the detection or reads it differently from what the author \
meant.\n\n## Example\n\n```yaml\n- Key: eventName\n  Condition: IsIn\n  Values: CreateUser\n```\n\n\
## Fix\n\nWrite the value with the type the key takes: `Values: [CreateUser]`.\n",
};

pub const PANTHER_MISSING_KEY: LintInfo = LintInfo {
    id: detection::MISSING_KEY,
    default_severity: Severity::Error,
    summary: "a Panther match expression lacks a key it needs",
    docs: "## What it flags\n\nA `Detection` match expression without `Key` or `DeepKey`, \
without `Condition`, or without the `Value`, `Values` or `Conditions` its condition takes.\n\n\
## Why it matters\n\nPanther rejects the detection.\n\n## Example\n\n```yaml\n- Key: eventName\n\
  Value: CreateUser\n```\n\n## Fix\n\nAdd the missing key, here `Condition: Equals`.\n",
};

pub const PANTHER_UNKNOWN_CONDITION: LintInfo = LintInfo {
    id: detection::UNKNOWN_CONDITION,
    default_severity: Severity::Warning,
    summary: "a Panther match expression uses a condition RuleLens does not know",
    docs: "## What it flags\n\nA `Condition` that is not one of Panther's conditions \
(`Equals`, `IsIn`, `StartsWith`, `IsIPAddressInCIDR`, ...).\n\n## Why it matters\n\nA \
misspelled condition is rejected by Panther; RuleLens treats the expression as unknown \
logic.\n\n## Example\n\n```yaml\nCondition: Equal\n```\n\n## Fix\n\nUse the condition's exact \
name, here `Equals`.\n",
};

pub const PANTHER_UNREADABLE_PYTHON: LintInfo = LintInfo {
    id: rulelens_syntax::panther::UNREADABLE_PYTHON,
    default_severity: Severity::Warning,
    summary: "the Python file a Panther rule names exists but cannot be read",
    docs: "## What it flags\n\nThe `Filename:` of a Panther rule when the Python file it names \
sits beside the YAML but cannot be read: missing permissions, bytes that are not UTF-8, or a \
file over 1 MiB. RuleLens reads the file's `rule(event)` function, never runs it.\n\n## Why it \
matters\n\nThe rule's logic stays unknown, so no other check sees its conditions. A missing \
file is not flagged, because published rule packs often ship the YAML alone.\n\n## Example\n\n\
```yaml\nAnalysisType: rule\nFilename: brute_force.py\n```\n\nwith `brute_force.py` saved as \
UTF-16.\n\n## Fix\n\nSave the Python file as UTF-8 and make it readable, or correct \
`Filename:`.\n",
};

pub const PANTHER_SQL_UNTERMINATED_STRING: LintInfo = LintInfo {
    id: sql::LINT_IDS.unterminated_string,
    default_severity: Severity::Error,
    summary: "a SQL string in a Panther query has no closing quote",
    docs: "## What it flags\n\nA `'` string without its closing `'`.\n\n## Why it matters\n\n\
Snowflake rejects the query, so the scheduled query never returns rows.\n\n## Example\n\n\
```sql\nWHERE eventName = 'CreateUser\n```\n\n## Fix\n\nAdd the closing quote; write a quote \
inside a string as `''`.\n",
};

pub const PANTHER_SQL_UNTERMINATED_COMMENT: LintInfo = LintInfo {
    id: sql::LINT_IDS.unterminated_comment,
    default_severity: Severity::Error,
    summary: "a SQL block comment in a Panther query has no closing `*/`",
    docs: "## What it flags\n\nA `/*` comment without `*/`.\n\n## Why it matters\n\nThe rest \
of the query becomes part of the comment.\n\n## Example\n\n```sql\nSELECT * /* all columns\n\
FROM t\n```\n\n## Fix\n\nClose the comment with `*/`.\n",
};

pub const PANTHER_SQL_UNEXPECTED_TOKEN: LintInfo = LintInfo {
    id: sql::LINT_IDS.unexpected_token,
    default_severity: Severity::Error,
    summary: "a Panther SQL condition has a token where another was expected",
    docs: "## What it flags\n\nA `WHERE` or `HAVING` condition with an operator missing an \
operand, an unclosed `(`, or a condition that runs into text that cannot follow it.\n\n## Why \
it matters\n\nSnowflake rejects the query.\n\n## Example\n\n```sql\nWHERE eventName = AND x = 1\n\
```\n\n## Fix\n\nAdd or remove what the message names.\n",
};

pub const PANTHER_SQL_TOO_DEEP: LintInfo = LintInfo {
    id: sql::LINT_IDS.too_deep,
    default_severity: Severity::Error,
    summary: "a Panther SQL condition nests deeper than RuleLens reads",
    docs: "## What it flags\n\nConditions nested more than 256 levels deep.\n\n## Why it \
matters\n\nNo real query nests this deep; RuleLens stops reading to stay responsive.\n\n\
## Example\n\nHundreds of nested parentheses.\n\n## Fix\n\nFlatten the condition.\n",
};

/// Every lint of this file, for the test that they are all registered.
#[cfg(test)]
pub const ALL: [&LintInfo; 25] = [
    &ELASTIC_INVALID_TOML,
    &ELASTIC_MISSING_RULE_TABLE,
    &ELASTIC_MISSING_QUERY,
    &ELASTIC_UNKNOWN_LANGUAGE,
    &ELASTIC_WRONG_TYPE,
    &LUCENE_SYNTAX_ERROR,
    &KUERY_UNTERMINATED_STRING,
    &KUERY_UNEXPECTED_TOKEN,
    &KUERY_TOO_DEEP,
    &EQL_UNTERMINATED_STRING,
    &EQL_UNTERMINATED_COMMENT,
    &EQL_UNEXPECTED_TOKEN,
    &EQL_TOO_DEEP,
    &ESQL_UNTERMINATED_STRING,
    &ESQL_UNTERMINATED_COMMENT,
    &ESQL_UNEXPECTED_TOKEN,
    &ESQL_TOO_DEEP,
    &PANTHER_INVALID_YAML,
    &PANTHER_WRONG_TYPE,
    &PANTHER_MISSING_KEY,
    &PANTHER_UNKNOWN_CONDITION,
    &PANTHER_SQL_UNTERMINATED_STRING,
    &PANTHER_SQL_UNTERMINATED_COMMENT,
    &PANTHER_SQL_UNEXPECTED_TOKEN,
    &PANTHER_SQL_TOO_DEEP,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parser_lint_is_registered() {
        for info in ALL {
            let lint = super::super::find_lint(info.id);
            assert!(lint.is_some(), "{} is not in LINTS", info.id);
        }
    }
}

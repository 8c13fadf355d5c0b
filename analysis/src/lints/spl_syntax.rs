//! Syntax errors the SPL front end reports while it reads a Splunk search, in a `.spl` file
//! or in the `search:` of a Splunk detection YAML file.

use super::LintInfo;
use rulelens_syntax::Severity;

pub const UNTERMINATED_STRING: LintInfo = LintInfo {
    id: "syntax/spl-unterminated-string",
    default_severity: Severity::Error,
    summary: "a quoted string or field name is never closed",
    docs: "## What it flags\n\nA double-quoted string, or a single-quoted field name in an \
eval expression, with no closing quote before the end of the search.\n\n## Why it matters\n\n\
Splunk reads everything after the opening quote as one value, so the rest of the search, \
pipes included, becomes part of that value and the detection matches nothing it was meant \
to.\n\n## Example\n\n```\nindex=main Image=\"*\\\\cmd.exe | stats count by host\n```\n\n\
## Fix\n\nAdd the closing quote where the value ends, and escape a quote inside a value as \
`\\\"`.\n",
};

pub const UNTERMINATED_BACKTICK: LintInfo = LintInfo {
    id: "syntax/spl-unterminated-backtick",
    default_severity: Severity::Error,
    summary: "a macro call is never closed with a backtick",
    docs: "## What it flags\n\nA backtick that opens a macro call with no closing backtick.\n\n\
## Why it matters\n\nSplunk cannot expand the macro and rejects the search, so the \
detection never runs.\n\n## Example\n\n```\n`sysmon EventCode=1 | stats count\n```\n\n## Fix\n\n\
Close the macro name with a backtick: `` `sysmon` EventCode=1 ``.\n",
};

pub const UNTERMINATED_COMMENT: LintInfo = LintInfo {
    id: "syntax/spl-unterminated-comment",
    default_severity: Severity::Error,
    summary: "a ``` comment is never closed",
    docs: "## What it flags\n\nA comment opened with three backticks and not closed with three \
more.\n\n## Why it matters\n\nEverything after the opening backticks is a comment, so the \
rest of the search silently stops taking part in the detection.\n\n## Example\n\n```\n\
index=main ```only workstations | stats count\n```\n\n## Fix\n\nClose the comment with three \
backticks where it ends.\n",
};

pub const UNBALANCED_PARENTHESIS: LintInfo = LintInfo {
    id: "syntax/spl-unbalanced-parenthesis",
    default_severity: Severity::Error,
    summary: "a parenthesis has no partner",
    docs: "## What it flags\n\nAn opening `(` that is never closed, or a `)` that closes \
nothing.\n\n## Why it matters\n\nParentheses decide which terms `OR` and `NOT` apply to. \
Splunk rejects an unbalanced search, and a parenthesis closed in the wrong place changes \
what the detection matches.\n\n## Example\n\n```\nindex=main (EventCode=4624 OR \
EventCode=4625 | stats count\n```\n\n## Fix\n\nAdd the missing parenthesis where the group \
ends, or remove the stray one.\n",
};

pub const UNBALANCED_BRACKET: LintInfo = LintInfo {
    id: "syntax/spl-unbalanced-bracket",
    default_severity: Severity::Error,
    summary: "a subsearch bracket has no partner",
    docs: "## What it flags\n\nA subsearch opened with `[` and never closed, or a `]` that \
closes no subsearch.\n\n## Why it matters\n\nSplunk rejects the search. When the bracket is \
closed in the wrong place, commands meant for the outer search run inside the subsearch.\n\n\
## Example\n\n```\nindex=main NOT [| inputlookup admins.csv | fields user\n```\n\n## Fix\n\n\
Close the subsearch with `]` after its last command.\n",
};

pub const EMPTY_PIPE_SEGMENT: LintInfo = LintInfo {
    id: "syntax/spl-empty-pipe-segment",
    default_severity: Severity::Error,
    summary: "a pipe is followed by no command",
    docs: "## What it flags\n\nA `|` with nothing after it, or two pipes in a row.\n\n## Why it \
matters\n\nSplunk rejects a search with an empty command, so the detection never runs. It \
usually means a command or macro was deleted and its pipe left behind.\n\n## Example\n\n\
```\nindex=main EventCode=4720 | | stats count by user\n```\n\n## Fix\n\nRemove the extra \
pipe, or put back the command that belonged there.\n",
};

pub const UNKNOWN_COMMAND: LintInfo = LintInfo {
    id: "syntax/spl-unknown-command",
    default_severity: Severity::Warning,
    summary: "a command name is not a known SPL command",
    docs: "## What it flags\n\nA command after `|` that is neither a command of the Splunk \
search reference nor a common app command (Machine Learning Toolkit, CyberChef).\n\n## Why \
it matters\n\nA misspelt command makes Splunk reject the search. A command from an app runs \
only where that app is installed, which limits where the detection can be deployed.\n\n\
## Example\n\n```\nindex=main | stat count by host\n```\n\n## Fix\n\nCorrect the spelling \
(`stats`). If an installed app provides the command, suppress the finding with a reason.\n",
};

pub const MISSING_OPERAND: LintInfo = LintInfo {
    id: "syntax/spl-missing-operand",
    default_severity: Severity::Error,
    summary: "an operator or command lacks an operand",
    docs: "## What it flags\n\nA comparison with no value (`user=`), a boolean operator with \
no term on one side (`a=1 OR`), a `where` with no condition, an `eval` without `=`, or a \
`rename` without its new name.\n\n## Why it matters\n\nSplunk rejects some of these and \
reads others in a way the author did not intend, such as `user=` matching the literal \
next word.\n\n## Example\n\n```\nindex=main user= | stats count\n```\n\n## Fix\n\nAdd the \
missing value or term, or remove the operator.\n",
};

pub const UNEXPECTED_TOKEN: LintInfo = LintInfo {
    id: "syntax/spl-unexpected-token",
    default_severity: Severity::Error,
    summary: "text that cannot stand where it is",
    docs: "## What it flags\n\nText the parser cannot read at its position: a word after a \
complete `where` condition, a stray operator inside an expression, a bracket inside an `IN` \
list.\n\n## Why it matters\n\nSplunk rejects the search or drops part of the condition, so \
the detection does not test what it appears to test.\n\n## Example\n\n```\nindex=main | \
where count > 5 host\n```\n\n## Fix\n\nJoin the parts with `AND` or `OR`, quote values that \
contain brackets, or add the missing `|` before a new command.\n",
};

pub const NESTING_TOO_DEEP: LintInfo = LintInfo {
    id: "syntax/spl-nesting-too-deep",
    default_severity: Severity::Error,
    summary: "parentheses, NOTs or subsearches nest too deep to read",
    docs: "## What it flags\n\nMore than 256 levels of parentheses and `NOT`, more than 32 \
levels of subsearches, or an arithmetic chain of more than 256 operators. The rest of the \
command is skipped.\n\n## Why it matters\n\nNo hand-written detection nests this deep; the \
text is generated or damaged, and RuleLens stops reading it to stay responsive.\n\n\
## Example\n\nA search that opens 300 parentheses before its first term.\n\n## Fix\n\n\
Simplify the expression, or generate it with flat `OR` lists or `IN (...)`.\n",
};

pub const MACRO_RECURSION: LintInfo = LintInfo {
    id: "syntax/spl-macro-recursion",
    default_severity: Severity::Error,
    summary: "a macro expands into itself or grows without bound",
    docs: "## What it flags\n\nA macro call whose expansion nests more than 32 levels, which \
means a macro calls itself directly or through others, or whose expansion grows past 1 MiB \
beyond the search.\n\n## Why it matters\n\nSplunk stops such a search with an error, so the \
detection never runs. RuleLens stops expanding at the limit and points at the call in your \
text.\n\n## Example\n\n```\n[loop]\ndefinition = EventCode=1 `loop`\n```\n\n## Fix\n\nRemove \
the call of the macro from its own definition, or from the definitions it calls.\n",
};

pub const UNKNOWN_MACRO: LintInfo = LintInfo {
    id: "syntax/spl-unknown-macro",
    default_severity: Severity::Info,
    summary: "a macro call has no loaded definition",
    docs: "## What it flags\n\nA macro call with no definition in the loaded macros, neither \
in the `macros/` folder beside the detections nor in `macros.conf`. It is reported only when \
the setting that asks for it is on, because most searches call macros from apps that are \
not in the rule folder.\n\n## Why it matters\n\nAn unexpanded macro is an unknown part of \
the logic: corpus lints cannot see the conditions inside it.\n\n## Example\n\n```\n\
`my_windows_logs` EventCode=4688\n```\n\n## Fix\n\nAdd the macro's definition to the \
`macros/` folder or to a `macros.conf` RuleLens reads, or check the name for a typo.\n",
};

pub const MISSING_SEARCH: LintInfo = LintInfo {
    id: "syntax/spl-missing-search",
    default_severity: Severity::Error,
    summary: "a Splunk detection has no search",
    docs: "## What it flags\n\nA Splunk detection YAML file with no readable `search:` key at \
the top level.\n\n## Why it matters\n\nThe detection has no logic to run or to check, so it \
detects nothing.\n\n## Example\n\n```yaml\nname: Suspicious Process\ntype: TTP\n```\n\n\
## Fix\n\nAdd the SPL search under a top-level `search:` key.\n",
};

#[cfg(test)]
mod tests {
    use crate::lints::find_lint;

    #[test]
    fn every_spl_parser_id_is_registered() {
        for id in rulelens_syntax::spl::LINT_IDS {
            assert!(find_lint(id).is_some(), "{id} is not registered");
        }
    }
}

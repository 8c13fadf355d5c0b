//! Lints for files that are not readable rule text. The file loader reports them before any
//! parser runs.

use super::LintInfo;
use rulelens_syntax::Severity;

pub const BINARY_FILE: LintInfo = LintInfo {
    id: "syntax/binary-file",
    default_severity: Severity::Error,
    summary: "the file is binary, not rule text",
    docs: "## What it flags\n\nA file with a NUL byte in its first 8 KiB, the same test git \
uses to call a file binary.\n\n## Why it matters\n\nA rule file must be text; a binary file in a \
rules folder is usually a build artefact or a corrupted checkout.\n\n## Example\n\nAn `.yml` \
file that is really a zip archive.\n\n## Fix\n\nRemove the file from the rules folder, or \
exclude its path in `.rulelens.toml`.\n",
};

pub const INVALID_UTF8: LintInfo = LintInfo {
    id: "syntax/invalid-utf8",
    default_severity: Severity::Error,
    summary: "the file is not valid UTF-8",
    docs: "## What it flags\n\nThe first byte sequence that is not valid UTF-8.\n\n## Why it \
matters\n\nYAML, TOML and every query language RuleLens reads are UTF-8; SIEMs reject or \
mangle other encodings.\n\n## Example\n\nA rule saved as Windows-1252 with an accented \
character in its description.\n\n## Fix\n\nRe-save the file as UTF-8.\n",
};

pub const FILE_TOO_LARGE: LintInfo = LintInfo {
    id: "syntax/file-too-large",
    default_severity: Severity::Error,
    summary: "the file is too large to be a rule",
    docs: "## What it flags\n\nA file over 64 MiB.\n\n## Why it matters\n\nRules are a few \
kilobytes; a file this large is data, and reading it would stall the editor.\n\n## Example\n\n\
A log export saved with a `.yml` extension.\n\n## Fix\n\nMove the file out of the rules \
folder, or exclude its path in `.rulelens.toml`.\n",
};

pub const UNREADABLE_FILE: LintInfo = LintInfo {
    id: "syntax/unreadable-file",
    default_severity: Severity::Error,
    summary: "the file or folder could not be read",
    docs: "## What it flags\n\nA file or folder under a checked path that could not be read: \
missing permissions, a file deleted during the check, or a symbolic link loop.\n\n## Why it \
matters\n\nA rule that cannot be read is not checked, so a CI run would pass without looking \
at it.\n\n## Example\n\n`rules/a.yml` with mode `000`.\n\n## Fix\n\nFix the permissions or the \
link, or exclude the path in `.rulelens.toml`.\n",
};

pub const UNKNOWN_FORMAT: LintInfo = LintInfo {
    id: "syntax/unknown-format",
    default_severity: Severity::Warning,
    summary: "a file named on the command line is not a rule of a known format",
    docs: "## What it flags\n\nA file given explicitly to `rulelens check` whose name and \
content match none of the supported formats: Sigma YAML (`detection:` and `logsource:`), \
Sentinel YAML (`query:`), Splunk YAML (`search:`), Elastic TOML (`[rule]`), Panther YAML \
(`AnalysisType:`), `.kql`/`.kusto`/`.csl`/`.txt` KQL or `.spl` SPL.\n\n## Why it matters\n\n\
The file was not checked; a typo in a top-level key is the usual cause.\n\n## Example\n\n\
A Sigma rule whose `detection:` key is misspelt `detections:`.\n\n## Fix\n\nCorrect the \
top-level keys, or leave the file out of the command.\n",
};

pub const INVALID_SUPPRESSION: LintInfo = LintInfo {
    id: "syntax/invalid-suppression",
    default_severity: Severity::Warning,
    summary: "a `rulelens:` suppression comment cannot be read",
    docs: "## What it flags\n\nA comment that starts with `rulelens:` but is not \
`rulelens: ignore[lint-id, ...] reason` or `rulelens: ignore-file[lint-id, ...] reason`: an \
unknown lint id, missing brackets, or no reason.\n\n## Why it matters\n\nA malformed \
suppression silences nothing, so the finding it meant to accept still fails the build, and a \
suppression without a reason leaves reviewers guessing.\n\n## Example\n\n```yaml\n\
# rulelens: ignore[corpus/noisy-indicator-alone]\n```\n\n## Fix\n\nName known lint ids \
and say why the finding is accepted:\n\n```yaml\n# rulelens: \
ignore[corpus/noisy-indicator-alone] paired with a threshold in the SIEM\n```\n",
};

pub const UNUSED_SUPPRESSION: LintInfo = LintInfo {
    id: "syntax/unused-suppression",
    default_severity: Severity::Warning,
    summary: "a suppression comment silences nothing",
    docs: "## What it flags\n\nA `rulelens: ignore[...]` comment whose lints report nothing \
on the line it covers (or, for `ignore-file`, in the file).\n\n## Why it matters\n\nStale \
suppressions hide future findings of the same lint on that line after the rule changes.\n\n\
## Example\n\nA suppression of `corpus/noisy-indicator-alone` kept after a specific \
indicator was added beside the noisy one.\n\n## Fix\n\nRemove the comment.\n",
};

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

//! `sigma/invalid-modifier-combination`: modifiers that cannot be used together, or in the
//! order given, and `|exists` with a value that is not a boolean.
//!
//! The Sigma modifiers appendix (version 2.1.0) gives each modifier a value type and a
//! meaning, and the rules below follow from it:
//!
//! - At most one of `contains`, `startswith` and `endswith`, because each fixes where the value
//!   sits.
//! - Regex flags (`i`, `m`, `s`) only with `re`.
//! - `re`, `cidr`, `exists` and the comparisons (`lt` to `gte`) define the whole comparison, so
//!   they are used alone, apart from `neq`, `all`, `expand` and the timestamp parts.
//! - `exists` takes `true` or `false`; `all` needs a list of values.
//! - Encodings come before the string modifier they feed (`base64offset|contains`), because
//!   the other order encodes the wildcards.
//! - `utf16le`, `utf16be`, `utf16` and `wide` produce bytes, so `base64` or `base64offset` must
//!   follow to make text again. `base64` and `base64offset` exclude each other.
//! - `windash` may come before or after a string modifier. The corpus uses both orders.

use super::{field_items, report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::sigma::{FieldItem, Modifier, ModifierClass};
use rulelens_syntax::{Diagnostic, Severity, TextRange};

pub const INFO: LintInfo = LintInfo {
    id: "sigma/invalid-modifier-combination",
    default_severity: Severity::Error,
    summary: "field modifiers that cannot be combined",
    docs: "## What it flags\n\nModifiers that contradict each other or come in an order that \
changes their meaning: two of `contains`/`startswith`/`endswith`, a regex flag without `re`, \
`re` or `cidr` with string or encoding modifiers, `exists` with any other modifier or with a \
value other than `true`/`false`, a comparison with string modifiers, an encoding after the \
string modifier it should feed (`contains|base64offset`), `utf16`/`wide` without a following \
`base64`, `base64` with `base64offset`, `all` on a single value, or one modifier given twice.\n\n\
## Why it matters\n\nConverters reject these rules or, worse, build a query that tests \
something else: `contains|base64` encodes the wildcards themselves.\n\n\
## Example\n\n```yaml\n    selection:\n        CommandLine|contains|base64offset: 'IEX'\n```\n\n\
## Fix\n\nKeep one string modifier, put encodings first (`|base64offset|contains`), and use \
`re` or `cidr` alone.\n",
};

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        for item in field_items(document) {
            for (range, message) in problems(item) {
                report(diagnostics, &INFO, range, message);
            }
        }
    }
}

/// Lists the known modifiers of an item with their ranges. Unknown ones are another lint's
/// finding.
fn known(item: &FieldItem) -> Vec<(Modifier, TextRange, &str)> {
    item.modifiers
        .iter()
        .filter_map(|m| Modifier::from_name(&m.value).map(|k| (k, m.range, m.value.as_str())))
        .collect()
}

/// Returns whether a modifier may be used beside `re`, `cidr`, `exists` or a comparison.
fn is_neutral(modifier: Modifier) -> bool {
    matches!(modifier, Modifier::Neq | Modifier::All | Modifier::Expand)
        || modifier.class() == ModifierClass::TimestampPart
}

fn problems(item: &FieldItem) -> Vec<(TextRange, String)> {
    let modifiers = known(item);
    let mut found = Vec::new();
    let first = |wanted: Modifier| modifiers.iter().find(|(m, _, _)| *m == wanted);

    for (index, (modifier, range, name)) in modifiers.iter().enumerate() {
        if modifiers[..index].iter().any(|(m, _, _)| m == modifier) {
            found.push((
                *range,
                format!("modifier `{name}` is given twice; remove one"),
            ));
        }
    }

    let string_matches: Vec<_> = modifiers
        .iter()
        .filter(|(m, _, _)| m.class() == ModifierClass::StringMatch)
        .collect();
    if let (Some(first_match), Some(second)) = (string_matches.first(), string_matches.get(1)) {
        if first_match.0 != second.0 {
            found.push((
                second.1,
                format!(
                    "`{}` cannot be combined with `{}`; keep one, or use a wildcard in the value",
                    second.2, first_match.2
                ),
            ));
        }
    }

    let regex = first(Modifier::Re);
    for (modifier, range, name) in &modifiers {
        if modifier.class() == ModifierClass::RegexFlag && regex.is_none() {
            found.push((*range, format!("regex flag `{name}` needs `re` before it")));
        }
    }

    // `re`, `cidr`, `exists` and the comparisons each define the whole comparison.
    let standalone = modifiers.iter().find(|(m, _, _)| {
        matches!(m, Modifier::Re | Modifier::Cidr | Modifier::Exists)
            || m.class() == ModifierClass::Comparison
    });
    if let Some((owner, _, owner_name)) = standalone {
        for (modifier, range, name) in &modifiers {
            let allowed = modifier == owner
                || is_neutral(*modifier)
                || (*owner == Modifier::Re && modifier.class() == ModifierClass::RegexFlag);
            if !allowed {
                found.push((
                    *range,
                    format!("`{name}` cannot be combined with `{owner_name}`; remove one of them"),
                ));
            }
        }
        if *owner == Modifier::Exists {
            for value in &item.values {
                let is_bool = ["true", "false"].contains(&value.written.to_lowercase().as_str());
                if !is_bool {
                    found.push((
                        value.range,
                        format!("`exists` takes `true` or `false`, not `{}`", value.written),
                    ));
                }
            }
        }
    }

    if !item.is_list {
        if let Some((_, range, _)) = first(Modifier::All) {
            found.push((
                *range,
                "`all` needs a list of values; remove it or give a list".to_owned(),
            ));
        }
    }

    found.extend(encoding_order(&modifiers));
    found
}

/// Order rules of the encoding modifiers.
fn encoding_order(modifiers: &[(Modifier, TextRange, &str)]) -> Vec<(TextRange, String)> {
    let mut found = Vec::new();
    let position =
        |wanted: &dyn Fn(Modifier) -> bool| modifiers.iter().position(|(m, _, _)| wanted(*m));
    let string_match = position(&|m| m.class() == ModifierClass::StringMatch);
    let base64 = position(&|m| matches!(m, Modifier::Base64 | Modifier::Base64Offset));

    if let (Some(match_at), Some(base64_at)) = (string_match, base64) {
        if base64_at > match_at {
            if let (Some(encoding), Some(matcher)) =
                (modifiers.get(base64_at), modifiers.get(match_at))
            {
                found.push((
                    encoding.1,
                    format!(
                        "`{}` after `{}` encodes the wildcards; write `|{}|{}`",
                        encoding.2, matcher.2, encoding.2, matcher.2
                    ),
                ));
            }
        }
    }

    let both = modifiers.iter().any(|(m, _, _)| *m == Modifier::Base64)
        && modifiers
            .iter()
            .any(|(m, _, _)| *m == Modifier::Base64Offset);
    if both {
        if let Some((_, range, _)) = modifiers
            .iter()
            .find(|(m, _, _)| *m == Modifier::Base64Offset)
        {
            found.push((
                *range,
                "`base64` and `base64offset` exclude each other; keep one".to_owned(),
            ));
        }
    }

    for (index, (modifier, range, name)) in modifiers.iter().enumerate() {
        let is_utf16 = matches!(
            modifier,
            Modifier::Utf16 | Modifier::Utf16Le | Modifier::Utf16Be | Modifier::Wide
        );
        let base64_follows = modifiers
            .get(index + 1..)
            .unwrap_or(&[])
            .iter()
            .any(|(m, _, _)| matches!(m, Modifier::Base64 | Modifier::Base64Offset));
        if is_utf16 && !base64_follows {
            found.push((
                *range,
                format!("`{name}` must be followed by `base64` or `base64offset`"),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::lints::sigma::test_support::{assert_covers, item_findings};

    fn findings(item: &str) -> Vec<(String, String)> {
        item_findings(check, item)
    }

    #[test]
    fn two_string_modifiers_point_at_second() {
        assert_covers(&findings("Image|startswith|endswith: x"), &["endswith"]);
    }

    #[test]
    fn regex_flag_without_re() {
        assert_covers(&findings("CommandLine|contains|i: x"), &["i"]);
        assert_covers(&findings("CommandLine|re|i|m: x"), &[]);
    }

    #[test]
    fn re_and_cidr_stand_alone() {
        assert_covers(&findings("CommandLine|re|contains: x"), &["contains"]);
        assert_covers(&findings("Ip|cidr|startswith: 10."), &["startswith"]);
        assert_covers(&findings("Ip|cidr|neq: 10.0.0.0/8"), &[]);
    }

    #[test]
    fn exists_needs_boolean_alone() {
        assert_covers(&findings("Field|exists: yes"), &["yes"]);
        assert_covers(&findings("Field|exists|contains: true"), &["contains"]);
        assert_covers(&findings("Field|exists: false"), &[]);
    }

    #[test]
    fn encoding_after_string_modifier() {
        assert_covers(
            &findings("CommandLine|contains|base64offset: IEX"),
            &["base64offset"],
        );
        assert_covers(&findings("CommandLine|base64offset|contains: IEX"), &[]);
        assert_covers(
            &findings("CommandLine|wide|base64offset|contains: IEX"),
            &[],
        );
        assert_covers(&findings("CommandLine|wide|contains: IEX"), &["wide"]);
        assert_covers(
            &findings("CommandLine|base64|base64offset: IEX"),
            &["base64offset"],
        );
    }

    #[test]
    fn windash_in_either_order() {
        assert_covers(&findings("CommandLine|contains|windash: ' -enc'"), &[]);
        assert_covers(&findings("CommandLine|windash|contains: ' -enc'"), &[]);
    }

    #[test]
    fn comparison_with_string_modifier() {
        assert_covers(&findings("Count|gt|contains: 3"), &["contains"]);
        assert_covers(&findings("Count|gte: 3"), &[]);
    }

    #[test]
    fn all_needs_a_list() {
        assert_covers(&findings("CommandLine|contains|all: a"), &["all"]);
        assert_covers(&findings("CommandLine|contains|all: [a, b]"), &[]);
    }

    #[test]
    fn duplicate_modifier() {
        assert_covers(&findings("CommandLine|contains|all|all: [a, b]"), &["all"]);
    }
}

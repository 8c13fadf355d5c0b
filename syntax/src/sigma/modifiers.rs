//! Sigma value modifiers: the `|name` suffixes of a detection field (`CommandLine|contains|all`).
//!
//! The list is the modifiers appendix of the Sigma specification, version 2.1.0 of 2025-08-02,
//! which added `neq` for strings and the timestamp parts.

/// One value modifier of the Sigma specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    /// Every value of the list must match, instead of any one.
    All,
    /// The value is a regular expression.
    Re,
    /// Regex flag `i`: match case-insensitively.
    IgnoreCase,
    /// Regex flag `m`: `^` and `$` match at line breaks.
    Multiline,
    /// Regex flag `s`: `.` matches a line break.
    DotAll,
    Cidr,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    /// UTF-16 with a byte-order mark.
    Utf16,
    /// An alias of `utf16le`.
    Wide,
    /// Matches the command-line flag with `-`, `/` and the other dash characters Windows
    /// accepts.
    Windash,
    /// The value `true` or `false` tests whether the field is present.
    Exists,
    Lt,
    Lte,
    Gt,
    Gte,
    /// The value names another field of the same event.
    FieldRef,
    /// The value contains `%placeholder%` names, resolved when the rule is converted.
    Expand,
    /// Match case-sensitively.
    Cased,
    /// The field must not equal the value.
    Neq,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// Broad groups of modifiers, for the rules of which can be combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModifierClass {
    /// `contains`, `startswith`, `endswith`.
    StringMatch,
    /// `re` and its flags.
    Regex,
    RegexFlag,
    /// Encodings applied to the value before matching: `base64`, `utf16`, `windash`.
    Transform,
    /// `lt`, `lte`, `gt`, `gte`.
    Comparison,
    /// The parts of a timestamp: `minute` to `year`.
    TimestampPart,
    /// `all`, `cased`, `neq`, `expand`, `fieldref`, `cidr`, `exists`: each has its own rules.
    Other,
}

impl Modifier {
    /// Every modifier with its name as written.
    pub const ALL_NAMES: &'static [(&'static str, Modifier)] = &[
        ("contains", Modifier::Contains),
        ("startswith", Modifier::StartsWith),
        ("endswith", Modifier::EndsWith),
        ("all", Modifier::All),
        ("re", Modifier::Re),
        ("i", Modifier::IgnoreCase),
        ("ignorecase", Modifier::IgnoreCase),
        ("m", Modifier::Multiline),
        ("multiline", Modifier::Multiline),
        ("s", Modifier::DotAll),
        ("dotall", Modifier::DotAll),
        ("cidr", Modifier::Cidr),
        ("base64", Modifier::Base64),
        ("base64offset", Modifier::Base64Offset),
        ("utf16le", Modifier::Utf16Le),
        ("utf16be", Modifier::Utf16Be),
        ("utf16", Modifier::Utf16),
        ("wide", Modifier::Wide),
        ("windash", Modifier::Windash),
        ("exists", Modifier::Exists),
        ("lt", Modifier::Lt),
        ("lte", Modifier::Lte),
        ("gt", Modifier::Gt),
        ("gte", Modifier::Gte),
        ("fieldref", Modifier::FieldRef),
        ("expand", Modifier::Expand),
        ("cased", Modifier::Cased),
        ("neq", Modifier::Neq),
        ("minute", Modifier::Minute),
        ("hour", Modifier::Hour),
        ("day", Modifier::Day),
        ("week", Modifier::Week),
        ("month", Modifier::Month),
        ("year", Modifier::Year),
    ];

    /// Looks a modifier up by its name as written. Names are case-sensitive, as in pySigma.
    pub fn from_name(name: &str) -> Option<Modifier> {
        Modifier::ALL_NAMES
            .iter()
            .find(|(written, _)| *written == name)
            .map(|&(_, modifier)| modifier)
    }

    pub fn class(self) -> ModifierClass {
        match self {
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith => {
                ModifierClass::StringMatch
            }
            Modifier::Re => ModifierClass::Regex,
            Modifier::IgnoreCase | Modifier::Multiline | Modifier::DotAll => {
                ModifierClass::RegexFlag
            }
            Modifier::Base64
            | Modifier::Base64Offset
            | Modifier::Utf16Le
            | Modifier::Utf16Be
            | Modifier::Utf16
            | Modifier::Wide
            | Modifier::Windash => ModifierClass::Transform,
            Modifier::Lt | Modifier::Lte | Modifier::Gt | Modifier::Gte => {
                ModifierClass::Comparison
            }
            Modifier::Minute
            | Modifier::Hour
            | Modifier::Day
            | Modifier::Week
            | Modifier::Month
            | Modifier::Year => ModifierClass::TimestampPart,
            Modifier::All
            | Modifier::Cidr
            | Modifier::Exists
            | Modifier::FieldRef
            | Modifier::Expand
            | Modifier::Cased
            | Modifier::Neq => ModifierClass::Other,
        }
    }

    /// Returns the canonical name (`ignorecase` for `i`, and so on).
    pub fn name(self) -> &'static str {
        match self {
            Modifier::Contains => "contains",
            Modifier::StartsWith => "startswith",
            Modifier::EndsWith => "endswith",
            Modifier::All => "all",
            Modifier::Re => "re",
            Modifier::IgnoreCase => "ignorecase",
            Modifier::Multiline => "multiline",
            Modifier::DotAll => "dotall",
            Modifier::Cidr => "cidr",
            Modifier::Base64 => "base64",
            Modifier::Base64Offset => "base64offset",
            Modifier::Utf16Le => "utf16le",
            Modifier::Utf16Be => "utf16be",
            Modifier::Utf16 => "utf16",
            Modifier::Wide => "wide",
            Modifier::Windash => "windash",
            Modifier::Exists => "exists",
            Modifier::Lt => "lt",
            Modifier::Lte => "lte",
            Modifier::Gt => "gt",
            Modifier::Gte => "gte",
            Modifier::FieldRef => "fieldref",
            Modifier::Expand => "expand",
            Modifier::Cased => "cased",
            Modifier::Neq => "neq",
            Modifier::Minute => "minute",
            Modifier::Hour => "hour",
            Modifier::Day => "day",
            Modifier::Week => "week",
            Modifier::Month => "month",
            Modifier::Year => "year",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifier_names_round_trip() {
        for &(written, modifier) in Modifier::ALL_NAMES {
            assert_eq!(Modifier::from_name(written), Some(modifier));
            assert_eq!(Modifier::from_name(modifier.name()), Some(modifier));
        }
        assert_eq!(Modifier::from_name("Contains"), None);
        assert_eq!(Modifier::from_name("containz"), None);
    }
}

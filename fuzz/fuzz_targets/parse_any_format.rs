//! Every front end on arbitrary bytes: the first byte picks the format, the rest is the text.
//! A front end must return diagnostics with ranges inside the text, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_syntax::{parse, Format};

const FORMATS: [Format; 7] = [
    Format::Sigma,
    Format::SentinelYaml,
    Format::Kql,
    Format::SplunkYaml,
    Format::Spl,
    Format::ElasticToml,
    Format::PantherYaml,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = FORMATS[usize::from(selector) % FORMATS.len()];
    let parsed = parse(format, text);
    for diagnostic in &parsed.diagnostics {
        assert!(diagnostic.range.end() <= text.len());
        assert!(text.is_char_boundary(diagnostic.range.start()));
        assert!(text.is_char_boundary(diagnostic.range.end()));
    }
});

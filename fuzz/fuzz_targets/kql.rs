//! The KQL parser and lowering on a plain query file of arbitrary text. No panic, and every
//! range lies inside the text on character boundaries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_fuzz::check_parsed;
use rulelens_syntax::Format;

fuzz_target!(|text: &str| {
    let parsed = rulelens_syntax::kql::parse(Format::Kql, text);
    check_parsed(text, &parsed);
});

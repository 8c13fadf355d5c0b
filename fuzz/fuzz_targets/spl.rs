//! The SPL parser, macro expansion and lowering on a plain search of arbitrary text. No
//! panic, and every range lies inside the text on character boundaries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_fuzz::check_parsed;

fuzz_target!(|text: &str| {
    let parsed = rulelens_syntax::spl::parse(text);
    check_parsed(text, &parsed);
});

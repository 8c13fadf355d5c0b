//! The Sigma front end on arbitrary text: YAML, detection, condition and lowering together.
//! No panic, and every range it returns lies inside the text on character boundaries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_fuzz::check_parsed;

fuzz_target!(|text: &str| {
    let parsed = rulelens_syntax::sigma::parse(text);
    check_parsed(text, &parsed);
});

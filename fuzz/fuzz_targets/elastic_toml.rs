//! The Elastic front end on arbitrary text: TOML, the embedded query in whichever language
//! `rule.language` names, and lowering. No panic, and every range lies inside the file text on
//! character boundaries, also for queries decoded from TOML escapes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_fuzz::check_parsed;

fuzz_target!(|text: &str| {
    let parsed = rulelens_syntax::elastic::parse(text);
    check_parsed(text, &parsed);
});

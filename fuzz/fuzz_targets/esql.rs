//! The ES|QL parser and lowering alone, on arbitrary query text rather than a TOML
//! rule. No panic, and every diagnostic, predicate, opaque part and data source range lies
//! inside the text on character boundaries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_fuzz::{check_diagnostics, check_expr, check_range};
use rulelens_syntax::elastic::lower::ShiftMap;

fuzz_target!(|text: &str| {
    let output = rulelens_syntax::elastic::esql::parse(text, &ShiftMap(0));
    check_diagnostics(text, &output.diagnostics);
    if let Some(logic) = &output.logic {
        check_expr(text, logic);
    }
    for source in &output.data_sources {
        check_range(text, source.range, "data source");
    }
});

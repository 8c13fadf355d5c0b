//! The Panther front end on arbitrary text. The text up to the first NUL is the YAML file; the
//! rest, when there is a NUL, is the Python file that `Filename:` names. No panic, and every
//! range lies inside its file on character boundaries: logic read from Python has ranges in
//! the Python text, everything else in the YAML text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_fuzz::{check_diagnostics, check_expr, check_rule};
use rulelens_syntax::Tree;

fuzz_target!(|text: &str| {
    let (yaml, python) = match text.split_once('\0') {
        Some((yaml, python)) => (yaml, Some(python)),
        None => (text, None),
    };
    let parsed = rulelens_syntax::panther::parse_with_python(yaml, python);
    check_diagnostics(yaml, &parsed.diagnostics);
    for document in &parsed.documents {
        let from_python = matches!(&document.tree, Tree::Panther(tree) if tree.logic_from_python);
        let mut rule = document.rule.clone();
        let logic = rule.logic.take();
        check_rule(yaml, &rule);
        if let Some(logic) = &logic {
            check_expr(
                if from_python {
                    python.unwrap_or("")
                } else {
                    yaml
                },
                logic,
            );
        }
    }
});

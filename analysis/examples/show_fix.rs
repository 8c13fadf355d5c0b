//! Prints a file with the first fix of a lint applied, for reviewing fixes by hand.
//!
//! Run with `cargo run --release -p rulelens-analysis --example show_fix -- FILE LINT`.

use rulelens_analysis::config::Config;
use rulelens_analysis::{analyze_file, FileInput};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(lint)) = (args.next(), args.next()) else {
        eprintln!("usage: show_fix FILE LINT");
        std::process::exit(2);
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("error: cannot read {path}");
        std::process::exit(2);
    };
    let Some(parsed) = rulelens_syntax::parse_path(std::path::Path::new(&path), &text) else {
        eprintln!("error: {path} is not a rule of a known format");
        std::process::exit(2);
    };
    let input = FileInput {
        path: &path,
        text: &text,
        parsed: &parsed,
    };
    let diagnostics = analyze_file(&input, &Config::default());
    let Some(fix) = diagnostics
        .iter()
        .filter(|d| d.lint == lint)
        .find_map(|d| d.fixes.first())
    else {
        eprintln!("no fix for {lint} in {path}");
        std::process::exit(1);
    };
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.range.start));
    let mut fixed = text.clone();
    for edit in edits {
        fixed.replace_range(edit.range.as_range(), &edit.new_text);
    }
    print!("{fixed}");
}

//! Every front end on hostile and truncated text: nothing may panic or hang, whatever the
//! input. Each case runs on a worker thread with a generous deadline, so that a hang fails
//! the test with the case's name instead of stalling the suite.

use proptest::prelude::*;
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::line_index::floor_char_boundary;
use rulelens_syntax::{detect_format, parse, Format, ParsedFile};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const ALL_FORMATS: [Format; 7] = [
    Format::Sigma,
    Format::SentinelYaml,
    Format::Kql,
    Format::SplunkYaml,
    Format::Spl,
    Format::ElasticToml,
    Format::PantherYaml,
];

/// A hang guard, not a speed target: far above what any input here takes.
const DEADLINE: Duration = Duration::from_secs(60);

/// Parses on a worker thread and fails the test on a panic or a hang.
fn parse_guarded(name: &str, format: Format, text: String) -> ParsedFile {
    let (sender, receiver) = mpsc::channel();
    let label = format!("{name} as {format:?}");
    let worker = std::thread::Builder::new()
        .name(label.clone())
        .spawn(move || {
            let parsed = parse(format, &text);
            let _ = sender.send(parsed);
        })
        .expect("spawn worker thread");
    match receiver.recv_timeout(DEADLINE) {
        Ok(parsed) => {
            let _ = worker.join();
            parsed
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{label} did not finish in {DEADLINE:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{label} panicked"),
    }
}

/// Every diagnostic range lies inside the text and on character boundaries.
fn assert_ranges_valid(name: &str, text: &str, parsed: &ParsedFile) {
    for diagnostic in &parsed.diagnostics {
        let range = diagnostic.range;
        assert!(
            range.end() <= text.len(),
            "{name}: {} range {range:?} past the end {}",
            diagnostic.lint,
            text.len()
        );
        assert!(
            text.is_char_boundary(range.start()) && text.is_char_boundary(range.end()),
            "{name}: {} range {range:?} splits a character",
            diagnostic.lint
        );
    }
}

fn rule_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rule_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every 40th corpus file with a detected format, so each front end gets real text.
fn corpus_sample() -> Vec<(PathBuf, Format, String)> {
    let mut files = Vec::new();
    rule_files(&corpus_dir(env!("CARGO_MANIFEST_DIR")), &mut files);
    files
        .into_iter()
        .step_by(40)
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let format = detect_format(&path, &text)?;
            Some((path, format, text))
        })
        .collect()
}

#[test]
fn corpus_sample_covers_every_format() {
    let sample = corpus_sample();
    for format in ALL_FORMATS {
        if format == Format::Spl {
            continue; // The corpus has no plain `.spl` files.
        }
        assert!(
            sample.iter().any(|(_, f, _)| *f == format),
            "no {format:?} file in the sample"
        );
    }
}

#[test]
fn truncated_corpus_files_parse() {
    for (path, format, text) in corpus_sample() {
        let name = path.display().to_string();
        // Sixteen cut points per file keep the test fast; the property test below covers
        // arbitrary cut points.
        for step in 0..16 {
            let cut = floor_char_boundary(&text, text.len() * step / 16);
            let prefix = text[..cut].to_owned();
            let parsed = parse_guarded(&name, format, prefix.clone());
            assert_ranges_valid(&name, &prefix, &parsed);
        }
    }
}

#[test]
fn every_front_end_survives_hostile_text() {
    let deep_lists = format!(
        "detection:\n  selection: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_parens = format!("condition: {}a{}\n", "(".repeat(10_000), ")".repeat(10_000));
    let alias_bomb = {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for level in b'b'..=b'j' {
            let previous = (level - 1) as char;
            let name = level as char;
            text.push_str(&format!(
                "{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"
            ));
        }
        text.push_str("detection:\n  selection:\n    Image: *j\n  condition: selection\nlogsource:\n  product: x\n");
        text
    };
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("nul bytes", "title: a\0b\ndetection:\0\n".to_owned()),
        ("bom", "\u{feff}title: x\nlogsource:\n  product: y\ndetection:\n  s:\n    a: 1\n  condition: s\n".to_owned()),
        ("crlf", "title: x\r\nlogsource:\r\n  product: y\r\ndetection:\r\n  s:\r\n    a: 1\r\n  condition: s\r\n".to_owned()),
        ("lone cr", "title: x\rlogsource:\r  product: y\rdetection:\r  s:\r    a: 1\r  condition: s\r".to_owned()),
        ("one long line", "a".repeat(1 << 20)),
        ("deep lists", deep_lists),
        ("deep parentheses", deep_parens),
        ("alias bomb", alias_bomb),
        ("unbalanced quotes", "query: \"a | where b == 'c\nsearch: '| tstats `x(\nquery = \"\"\"process where\n".to_owned()),
        ("only brackets", "{[(".repeat(20_000)),
        ("catastrophic regex", "detection:\n  s:\n    CommandLine|re: '(a+)+$'\n  condition: s\nlogsource:\n  product: x\n".to_owned()),
    ];
    for (name, text) in cases {
        for format in ALL_FORMATS {
            let parsed = parse_guarded(name, format, text.clone());
            assert_ranges_valid(name, &text, &parsed);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any prefix of any sampled corpus file parses without a panic.
    #[test]
    fn any_prefix_parses(file in 0usize..10_000, cut in 0usize..100_000) {
        let sample = sample_cache();
        let (path, format, text) = &sample[file % sample.len()];
        let cut = floor_char_boundary(text, cut % (text.len() + 1));
        let prefix = text[..cut].to_owned();
        let parsed = parse_guarded(&path.display().to_string(), *format, prefix.clone());
        assert_ranges_valid("prefix", &prefix, &parsed);
    }

    /// Arbitrary text parses without a panic in every format.
    #[test]
    fn arbitrary_text_parses(text in "\\PC{0,400}") {
        for format in ALL_FORMATS {
            let parsed = parse_guarded("arbitrary", format, text.clone());
            assert_ranges_valid("arbitrary", &text, &parsed);
        }
    }
}

fn sample_cache() -> &'static [(PathBuf, Format, String)] {
    static SAMPLE: std::sync::OnceLock<Vec<(PathBuf, Format, String)>> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(corpus_sample)
}

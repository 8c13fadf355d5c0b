//! `rulelens check --fix`: apply the safe fixes of the findings to the files on disk.
//!
//! A file is written only when every edit applies: the file must still have the bytes it had
//! when it was checked, the edits of one file must not overlap (a fix whose edits overlap an
//! earlier fix's is left for the next run), and the new text is written to a temporary file in
//! the same folder and renamed over the original, so a crash never leaves half a file.

use rulelens_syntax::{Fix, TextEdit};
use std::io::Write;
use std::path::Path;

/// What `--fix` did to one file: how many fixes were applied, or why none were.
pub type FixOutcome = Result<usize, String>;

/// Picks the fixes whose edits do not overlap those of fixes picked before them, and returns
/// their edits sorted by position.
pub fn non_overlapping_edits(fixes: &[&Fix]) -> (Vec<TextEdit>, usize) {
    let mut chosen: Vec<TextEdit> = Vec::new();
    let mut applied = 0;
    for fix in fixes {
        let overlaps = fix.edits.iter().any(|edit| {
            chosen.iter().any(|other| {
                let same_point = edit.range.is_empty()
                    && other.range.is_empty()
                    && edit.range.start == other.range.start;
                same_point
                    || (edit.range.start < other.range.end && other.range.start < edit.range.end)
            })
        });
        if !overlaps {
            chosen.extend(fix.edits.iter().cloned());
            applied += 1;
        }
    }
    chosen.sort_by_key(|edit| (edit.range.start, edit.range.end));
    (chosen, applied)
}

/// Applies sorted, non-overlapping edits to `text`. Returns `None` when an edit falls outside
/// the text or splits a character.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    for edit in edits {
        let range = edit.range.as_range();
        if range.start < position || !text.is_char_boundary(range.start) {
            return None;
        }
        out.push_str(text.get(position..range.start)?);
        text.get(range.clone())?;
        out.push_str(&edit.new_text);
        position = range.end;
    }
    out.push_str(text.get(position..)?);
    Some(out)
}

/// Applies `fixes` to the file at `path`, whose text was `checked_text` when it was linted.
pub fn fix_file(path: &Path, checked_text: &str, fixes: &[&Fix]) -> FixOutcome {
    (|| {
        let current = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
        if current != checked_text.as_bytes() {
            return Err("the file changed since it was checked; not written".to_owned());
        }
        let (edits, applied) = non_overlapping_edits(fixes);
        let fixed = apply_edits(checked_text, &edits)
            .ok_or_else(|| "a fix does not match the file's text; not written".to_owned())?;
        write_atomically(path, fixed.as_bytes())?;
        Ok(applied)
    })()
}

/// Writes through a temporary file in the same folder and renames it over `path`, keeping
/// the original file's permissions. A symbolic link is followed first: renaming over the
/// link itself would leave the target unfixed and turn the link into a copy.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path).map_err(|e| format!("cannot resolve the symbolic link: {e}"))?
    } else {
        path.to_path_buf()
    };
    let path = target.as_path();
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder).map_err(|e| {
        format!(
            "cannot create a temporary file in {}: {e}",
            folder.display()
        )
    })?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(|e| format!("cannot write the temporary file: {e}"))?;
    if let Ok(metadata) = std::fs::metadata(path) {
        let _ = temporary.as_file().set_permissions(metadata.permissions());
    }
    temporary
        .persist(path)
        .map_err(|e| format!("cannot replace the file: {}", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::TextRange;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix {
            title: "test".to_owned(),
            edits: edits
                .iter()
                .map(|&(start, end, text)| TextEdit {
                    range: TextRange::new(start, end),
                    new_text: text.to_owned(),
                })
                .collect(),
            safe: true,
        }
    }

    #[test]
    fn overlapping_fix_is_skipped() {
        let first = fix(&[(2, 4, "X")]);
        let second = fix(&[(3, 5, "Y")]);
        let third = fix(&[(6, 6, "Z")]);
        let (edits, applied) = non_overlapping_edits(&[&first, &second, &third]);
        assert_eq!(applied, 2);
        assert_eq!(apply_edits("abcdefgh", &edits).as_deref(), Some("abXefZgh"));
    }

    #[test]
    fn edit_outside_text_is_rejected() {
        let bad = fix(&[(2, 40, "X")]);
        let (edits, _) = non_overlapping_edits(&[&bad]);
        assert_eq!(apply_edits("abc", &edits), None);
        let split = fix(&[(1, 1, "X")]);
        let (edits, _) = non_overlapping_edits(&[&split]);
        assert_eq!(apply_edits("é", &edits), None);
    }

    #[test]
    fn changed_file_is_not_written() {
        let folder = std::env::temp_dir().join(format!("rulelens-fix-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("mkdir");
        let path = folder.join("rule.yml");
        std::fs::write(&path, "title: new\n").expect("write");
        let edit = fix(&[(0, 0, "# x\n")]);
        let outcome = fix_file(&path, "title: old\n", &[&edit]);
        assert!(outcome.is_err());
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "title: new\n"
        );

        let outcome = fix_file(&path, "title: new\n", &[&edit]);
        assert_eq!(outcome, Ok(1));
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "# x\ntitle: new\n"
        );
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[cfg(unix)]
    #[test]
    fn fix_through_link_writes_target() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let target = folder.path().join("rule.yml");
        let link = folder.path().join("link.yml");
        std::fs::write(&target, "title: x\n").expect("write");
        std::os::unix::fs::symlink("rule.yml", &link).expect("create link");
        let edit = fix(&[(0, 0, "# x\n")]);
        assert_eq!(fix_file(&link, "title: x\n", &[&edit]), Ok(1));
        let link_kind = std::fs::symlink_metadata(&link).expect("link metadata");
        assert!(link_kind.file_type().is_symlink(), "the link was replaced");
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "# x\ntitle: x\n"
        );
    }
}

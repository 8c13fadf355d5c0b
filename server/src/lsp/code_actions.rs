//! Code actions for the diagnostics in a request: each fix a diagnostic carries, "suppress with
//! a reason", and "apply every fix of this lint" when the document has several.
//!
//! Fix edits come from the diagnostic's `data`, computed with the diagnostic, so no action
//! runs a second analysis. A suppression edit is computed from the text alone. When the
//! client supports `codeAction/resolve`, actions are sent without their edit and a `data`
//! object ([`ActionData`]) from which `resolve` builds it.

use super::analysis::DiagnosticData;
use super::position::{self, PositionEncoding};
use super::state::Shared;
use rulelens_analysis::actions::{combine_fixes, suppression_edit};
use rulelens_syntax::{Fix, TextRange};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Diagnostic, Position,
    TextEdit, Uri, WorkspaceEdit,
};

/// What `codeAction/resolve` needs to build an action's edit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum ActionData {
    /// Edits already in LSP coordinates of `version`.
    Edits {
        uri: Uri,
        version: i32,
        edits: Vec<TextEdit>,
    },
    /// A suppression comment for `lint` above the finding starting at `start`.
    Suppress {
        uri: Uri,
        version: i32,
        lint: String,
        start: Position,
    },
}

/// The code actions for the diagnostics in `params`. Blocking: call it from a blocking thread.
pub fn code_actions(shared: &Shared, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let Some(version) = shared.current_version(uri) else {
        return Vec::new();
    };
    let mut actions = Vec::new();
    let mut lints_in_request = Vec::new();
    for diagnostic in &params.context.diagnostics {
        let Some(data) = diagnostic_data(diagnostic) else {
            continue;
        };
        if data.version != version {
            // The ranges belong to an older text; fresh diagnostics are on their way.
            continue;
        }
        let only_fix = data.fixes.len() == 1;
        for fix in &data.fixes {
            actions.push(action(
                fix.title.clone(),
                CodeActionKind::QUICKFIX,
                diagnostic,
                fix.safe && only_fix,
                ActionData::Edits {
                    uri: uri.clone(),
                    version,
                    edits: fix.edits.clone(),
                },
            ));
        }
        actions.push(action(
            format!("Suppress {} here, with a reason", data.lint),
            CodeActionKind::QUICKFIX,
            diagnostic,
            false,
            ActionData::Suppress {
                uri: uri.clone(),
                version,
                lint: data.lint.clone(),
                start: diagnostic.range.start,
            },
        ));
        if !lints_in_request.contains(&data.lint) {
            lints_in_request.push(data.lint);
        }
    }
    actions.extend(fix_all_actions(shared, uri, version, &lints_in_request));

    let resolve_later = shared.session().resolve_code_actions;
    actions
        .into_iter()
        .map(|action| {
            let action = if resolve_later {
                action
            } else {
                resolve(shared, action)
            };
            CodeActionOrCommand::CodeAction(action)
        })
        .collect()
}

/// One "apply every fix of this lint" action per lint of the request that has fixes on two or
/// more findings in the document, when those fixes do not overlap.
fn fix_all_actions(shared: &Shared, uri: &Uri, version: i32, lints: &[String]) -> Vec<CodeAction> {
    let Some(analysis) = shared.current_analysis(uri) else {
        return Vec::new();
    };
    if analysis.snapshot.version != version {
        return Vec::new();
    }
    let mut fixes_per_lint: BTreeMap<&str, Vec<&Fix>> = BTreeMap::new();
    for finding in &analysis.findings {
        if let Some(fix) = finding.fixes.first() {
            fixes_per_lint.entry(finding.lint).or_default().push(fix);
        }
    }
    let encoding = shared.session().encoding;
    let mut actions = Vec::new();
    for (lint, fixes) in fixes_per_lint {
        if fixes.len() < 2 || !lints.iter().any(|wanted| wanted == lint) {
            continue;
        }
        let Some(edits) = combine_fixes(fixes.iter().copied()) else {
            continue;
        };
        let edits = edits
            .into_iter()
            .map(|edit| {
                let range = position::range_of(&analysis.snapshot.rope, edit.range, encoding);
                TextEdit::new(range, edit.new_text)
            })
            .collect();
        actions.push(CodeAction {
            title: format!("Apply every fix for {lint} ({} findings)", fixes.len()),
            kind: Some(CodeActionKind::QUICKFIX),
            data: serde_json::to_value(ActionData::Edits {
                uri: uri.clone(),
                version,
                edits,
            })
            .ok(),
            ..CodeAction::default()
        });
    }
    actions
}

/// Fills in the edit of an action from its `data`. An action whose document changed since is
/// returned without an edit.
pub fn resolve(shared: &Shared, mut action: CodeAction) -> CodeAction {
    if action.edit.is_some() {
        return action;
    }
    let Some(data) = action
        .data
        .clone()
        .and_then(|value| serde_json::from_value::<ActionData>(value).ok())
    else {
        return action;
    };
    let (uri, edits) = match data {
        ActionData::Edits {
            uri,
            version,
            edits,
        } => {
            if shared.current_version(&uri) != Some(version) {
                return action;
            }
            (uri, edits)
        }
        ActionData::Suppress {
            uri,
            version,
            lint,
            start,
        } => {
            let Some(edit) = suppression(shared, &uri, version, &lint, start) else {
                return action;
            };
            (uri, vec![edit])
        }
    };
    action.edit = Some(WorkspaceEdit {
        changes: Some(HashMap::from([(uri, edits)])),
        ..WorkspaceEdit::default()
    });
    action
}

fn suppression(
    shared: &Shared,
    uri: &Uri,
    version: i32,
    lint: &str,
    start: Position,
) -> Option<TextEdit> {
    let snapshot = shared.snapshot(uri)?;
    if snapshot.version != version {
        return None;
    }
    let encoding: PositionEncoding = shared.session().encoding;
    let offset = position::offset_of(&snapshot.rope, start, encoding);
    let format = rulelens_syntax::detect_format(&snapshot.detection_path, &snapshot.text);
    let edit = suppression_edit(format, &snapshot.text, TextRange::empty(offset), lint);
    let range = position::range_of(&snapshot.rope, edit.range, encoding);
    Some(TextEdit::new(range, edit.new_text))
}

fn diagnostic_data(diagnostic: &Diagnostic) -> Option<DiagnosticData> {
    if diagnostic.source.as_deref() != Some("rulelens") {
        return None;
    }
    serde_json::from_value(diagnostic.data.clone()?).ok()
}

fn action(
    title: String,
    kind: CodeActionKind,
    diagnostic: &Diagnostic,
    preferred: bool,
    data: ActionData,
) -> CodeAction {
    CodeAction {
        title,
        kind: Some(kind),
        diagnostics: Some(vec![diagnostic.clone()]),
        is_preferred: preferred.then_some(true),
        data: serde_json::to_value(data).ok(),
        ..CodeAction::default()
    }
}

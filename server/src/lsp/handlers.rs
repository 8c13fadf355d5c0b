//! The `LanguageServer` methods: capability negotiation, document sync, and one thin handler
//! per request that runs an analysis provider in [`Shared::isolated`].
//!
//! Notification handlers change the document store before their first `.await`: the
//! transport starts handler futures in the order the messages arrived, so edits apply in
//! order.

use super::analysis::Analysis;
use super::code_actions;
use super::document::OpenDocument;
use super::position::{self, PositionEncoding};
use super::scheduler;
use super::state::{Session, Shared};
use rulelens_analysis::completion::{self, CompletionKind};
use rulelens_analysis::config::CONFIG_FILE_NAME;
use rulelens_analysis::facts::{CorpusFacts, IndexFacts};
use rulelens_analysis::lints::find_lint;
use rulelens_analysis::semantic_tokens::{self, TokenKind};
use rulelens_analysis::{hover, navigation, FileInput};
use std::sync::{Arc, PoisonError};
use std::time::Duration;
use tower_lsp_server::jsonrpc::{self, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::LanguageServer;

/// The command that returns a lint's documentation as Markdown: `rulelens.explain` with the
/// lint id as its only argument. The same text `rulelens explain ID` prints.
pub const EXPLAIN_COMMAND: &str = "rulelens.explain";

/// The server behind the LSP service.
#[derive(Debug)]
pub struct Backend {
    pub shared: Arc<Shared>,
}

impl Backend {
    /// `rulelens/testPanic`, registered only with test hooks on: panics inside the request
    /// isolation, so a test can check that the server still responds to the next request.
    pub async fn test_panic(&self) -> Result<()> {
        self.shared
            .isolated("rulelens/testPanic", |_| -> () {
                panic!("test hook: rulelens/testPanic panics on purpose")
            })
            .await
    }

    /// `rulelens/testDocumentText`, registered only with test hooks on: the version and text the
    /// server holds for a document, or `null` when it is not open, so a test can compare them
    /// with the client's copy after incremental edits.
    pub async fn test_document_text(
        &self,
        params: TextDocumentIdentifier,
    ) -> Result<Option<serde_json::Value>> {
        let held = self.shared.documents.get(&params.uri).map(|document| {
            serde_json::json!({ "version": document.version, "text": document.rope.to_string() })
        });
        Ok(held)
    }

    /// The request that [`super::framing`] puts in place of a malformed message: responds with
    /// the JSON-RPC error the guard chose.
    pub async fn invalid_message(&self, params: super::framing::InvalidMessage) -> Result<()> {
        Err(params.into_error())
    }

    fn schedule(&self, uri: Uri, version: i32, delay: Duration) {
        scheduler::schedule(&self.shared, uri, version, delay);
    }

    /// Loads the corpus index named by the settings off the request loop. A failure is shown
    /// to the user, and hover and completion then work without corpus figures.
    async fn reload_facts(&self) {
        let config = self.shared.settings().config;
        let for_tables = config.clone();
        let loaded = tokio::task::spawn_blocking(move || load_facts(&config)).await;
        // The lints' corpus tables are built while the editor is still sending its first
        // documents, rather than inside the first analysis. They start after the facts
        // because `initialize` waits for those, and both compete for the same cores.
        tokio::task::spawn_blocking(move || rulelens_analysis::prepare_corpus_tables(&for_tables));
        let facts = match loaded {
            Ok(Ok(facts)) => Some(facts),
            Ok(Err(message)) => {
                tracing::warn!("no corpus index loaded, hover has no corpus figures: {message}");
                self.shared
                    .client
                    .show_message(MessageType::WARNING, format!("rulelens: {message}"))
                    .await;
                None
            }
            Err(error) => {
                tracing::error!("loading the corpus index failed: {error}");
                None
            }
        };
        *self
            .shared
            .facts
            .write()
            .unwrap_or_else(PoisonError::into_inner) = facts;
    }

    /// Analyses every open document again, after the configuration changed.
    fn reanalyze_all(&self) {
        self.shared.analyses.clear();
        let open: Vec<(Uri, i32)> = self
            .shared
            .documents
            .iter()
            .map(|entry| (entry.key().clone(), entry.version))
            .collect();
        for (uri, version) in open {
            self.schedule(uri, version, Duration::ZERO);
        }
    }
}

/// Loads the corpus index that `config` selects: the embedded one, plus its extra indexes.
fn load_facts(
    config: &rulelens_analysis::config::Config,
) -> std::result::Result<Arc<dyn CorpusFacts>, String> {
    let started = std::time::Instant::now();
    let facts = IndexFacts::for_config(config)
        .map_err(|error| format!("cannot load the corpus index: {error}"))?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "corpus index loaded"
    );
    Ok(Arc::new(facts))
}

/// Runs `provider` on the current analysis of `uri` with the byte offset of `position`.
fn with_offset<T>(
    shared: &Shared,
    uri: &Uri,
    position: Position,
    provider: impl FnOnce(&FileInput<'_>, usize, &Analysis, PositionEncoding) -> Option<T>,
) -> Option<T> {
    let analysis = shared.current_analysis(uri)?;
    let parsed = analysis.parsed.as_ref()?;
    let encoding = shared.session().encoding;
    let offset = position::offset_of(&analysis.snapshot.rope, position, encoding);
    let path = analysis.snapshot.detection_path.to_string_lossy();
    let input = FileInput {
        path: &path,
        text: &analysis.snapshot.text,
        parsed,
    };
    provider(&input, offset, &analysis, encoding)
}

fn negotiate(params: &InitializeParams) -> Session {
    let text_document = params.capabilities.text_document.as_ref();
    let pull_diagnostics = text_document.is_some_and(|t| t.diagnostic.is_some());
    let resolve_code_actions = text_document
        .and_then(|t| t.code_action.as_ref())
        .and_then(|c| c.resolve_support.as_ref())
        .is_some_and(|support| support.properties.iter().any(|p| p == "edit"));
    Session {
        encoding: PositionEncoding::negotiate(&params.capabilities),
        pull_diagnostics,
        resolve_code_actions,
    }
}

fn capabilities(session: &Session) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(session.encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(["|", ".", " ", "`"].map(str::to_owned).to_vec()),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            resolve_provider: Some(true),
            ..CodeActionOptions::default()
        })),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TokenKind::ALL
                        .iter()
                        .map(|kind| token_type(*kind))
                        .collect(),
                    token_modifiers: Vec::new(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                ..SemanticTokensOptions::default()
            },
        )),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![EXPLAIN_COMMAND.to_owned()],
            ..ExecuteCommandOptions::default()
        }),
        diagnostic_provider: session.pull_diagnostics.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("rulelens".to_owned()),
                inter_file_dependencies: false,
                workspace_diagnostics: false,
                ..DiagnosticOptions::default()
            })
        }),
        ..ServerCapabilities::default()
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let session = negotiate(&params);
        *self
            .shared
            .session
            .write()
            .unwrap_or_else(PoisonError::into_inner) = session;
        if let Some(options) = &params.initialization_options {
            self.shared
                .settings
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .update(options);
        }
        // The index is loaded before the response so that the first hover has its figures.
        self.reload_facts().await;
        tracing::info!(
            encoding = ?session.encoding,
            pull_diagnostics = session.pull_diagnostics,
            "initialized"
        );
        Ok(InitializeResult {
            capabilities: capabilities(&session),
            server_info: Some(ServerInfo {
                name: "rulelens".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn shutdown(&self) -> Result<()> {
        tracing::info!("shutdown requested");
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let document = OpenDocument::new(&item.uri, &item.language_id, &item.text, item.version);
        self.shared.documents.insert(item.uri.clone(), document);
        self.schedule(item.uri, item.version, Duration::ZERO);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let encoding = self.shared.session().encoding;
        match self.shared.documents.get_mut(&uri) {
            Some(mut document) => {
                document.apply_changes(&params.content_changes, version, encoding)
            }
            None => {
                tracing::warn!(
                    uri = uri.as_str(),
                    "ignored didChange for a document not open"
                );
                return;
            }
        }
        let delay = self.shared.settings().debounce;
        self.schedule(uri, version, delay);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if uri.path().as_str().ends_with(CONFIG_FILE_NAME) {
            self.shared.config_files.clear();
            self.reanalyze_all();
            return;
        }
        if let Some(version) = self.shared.current_version(&uri) {
            self.schedule(uri, version, Duration::ZERO);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.shared.documents.remove(&uri);
        self.shared.analyses.remove(&uri);
        if !self.shared.session().pull_diagnostics {
            let _publishing = self.shared.publish_lock.lock().await;
            self.shared
                .client
                .publish_diagnostics(uri, Vec::new(), None)
                .await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let previous_index = self.shared.settings().config.index.clone();
        self.shared
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .update(&params.settings);
        if self.shared.settings().config.index != previous_index {
            self.reload_facts().await;
        }
        tracing::info!(settings = ?self.shared.settings(), "configuration changed");
        self.reanalyze_all();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let config_changed = params
            .changes
            .iter()
            .any(|change| change.uri.path().as_str().ends_with(CONFIG_FILE_NAME));
        if config_changed {
            self.shared.config_files.clear();
            self.reanalyze_all();
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let previous = params.previous_result_id;
        let analysis = self
            .shared
            .isolated("textDocument/diagnostic", move |shared| {
                shared.current_analysis(&uri)
            })
            .await?;
        let Some(analysis) = analysis else {
            return Err(jsonrpc::Error::invalid_params(
                "document is not open: send textDocument/didOpen first",
            ));
        };
        let result_id = analysis.snapshot.version.to_string();
        let report = if previous.as_deref() == Some(result_id.as_str()) {
            DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
                related_documents: None,
                unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                    result_id,
                },
            })
        } else {
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(result_id),
                    items: analysis.diagnostics.clone(),
                },
            })
        };
        Ok(DocumentDiagnosticReportResult::Report(report))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        self.shared
            .isolated("textDocument/hover", move |shared| {
                let facts = shared.facts();
                with_offset(
                    shared,
                    &at.text_document.uri,
                    at.position,
                    |input, offset, analysis, encoding| {
                        let info = hover::hover(input, offset, facts.as_deref())?;
                        Some(Hover {
                            contents: HoverContents::Markup(MarkupContent {
                                kind: MarkupKind::Markdown,
                                value: info.markdown,
                            }),
                            range: Some(position::range_of(
                                &analysis.snapshot.rope,
                                info.range,
                                encoding,
                            )),
                        })
                    },
                )
            })
            .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        self.shared
            .isolated("textDocument/completion", move |shared| {
                let facts = shared.facts();
                let macros = shared.workspace_macros();
                with_offset(
                    shared,
                    &at.text_document.uri,
                    at.position,
                    |input, offset, analysis, encoding| {
                        let entries =
                            completion::complete(input, offset, facts.as_deref(), &macros);
                        let items = entries
                            .into_iter()
                            .map(|entry| {
                                let range = position::range_of(
                                    &analysis.snapshot.rope,
                                    entry.replace,
                                    encoding,
                                );
                                CompletionItem {
                                    kind: Some(completion_kind(entry.kind)),
                                    detail: entry.detail,
                                    sort_text: Some(format!("{:06}", entry.rank)),
                                    text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                                        range,
                                        entry.label.clone(),
                                    ))),
                                    label: entry.label,
                                    ..CompletionItem::default()
                                }
                            })
                            .collect();
                        Some(CompletionResponse::Array(items))
                    },
                )
            })
            .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.shared
            .isolated("textDocument/codeAction", move |shared| {
                Some(code_actions::code_actions(shared, &params))
            })
            .await
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        self.shared
            .isolated("codeAction/resolve", move |shared| {
                code_actions::resolve(shared, action)
            })
            .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let uri = params.text_document.uri;
        self.shared
            .isolated("textDocument/foldingRange", move |shared| {
                let analysis = shared.current_analysis(&uri)?;
                let parsed = analysis.parsed.as_ref()?;
                let input = FileInput {
                    path: "",
                    text: &analysis.snapshot.text,
                    parsed,
                };
                let folds = navigation::folding_ranges(&input)
                    .into_iter()
                    .map(|fold| FoldingRange {
                        start_line: fold.start_line,
                        end_line: fold.end_line,
                        ..FoldingRange::default()
                    })
                    .collect();
                Some(folds)
            })
            .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        self.shared
            .isolated("textDocument/documentSymbol", move |shared| {
                let analysis = shared.current_analysis(&uri)?;
                let parsed = analysis.parsed.as_ref()?;
                let input = FileInput {
                    path: "",
                    text: &analysis.snapshot.text,
                    parsed,
                };
                let encoding = shared.session().encoding;
                let symbols = navigation::document_symbols(&input)
                    .iter()
                    .map(|symbol| to_document_symbol(&analysis.snapshot.rope, symbol, encoding))
                    .collect();
                Some(DocumentSymbolResponse::Nested(symbols))
            })
            .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        self.shared
            .isolated("textDocument/definition", move |shared| {
                let uri = at.text_document.uri;
                with_offset(
                    shared,
                    &uri,
                    at.position,
                    |input, offset, analysis, encoding| {
                        let targets = navigation::definition(input, offset);
                        let locations: Vec<Location> = targets
                            .into_iter()
                            .map(|range| {
                                let range =
                                    position::range_of(&analysis.snapshot.rope, range, encoding);
                                Location::new(uri.clone(), range)
                            })
                            .collect();
                        (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
                    },
                )
            })
            .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let include_declaration = params.context.include_declaration;
        self.shared
            .isolated("textDocument/references", move |shared| {
                let uri = at.text_document.uri;
                with_offset(
                    shared,
                    &uri,
                    at.position,
                    |input, offset, analysis, encoding| {
                        let found = navigation::references(input, offset, include_declaration);
                        let locations = found
                            .into_iter()
                            .map(|range| {
                                let range =
                                    position::range_of(&analysis.snapshot.rope, range, encoding);
                                Location::new(uri.clone(), range)
                            })
                            .collect();
                        Some(locations)
                    },
                )
            })
            .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.shared
            .isolated("textDocument/prepareRename", move |shared| {
                let uri = params.text_document.uri;
                with_offset(
                    shared,
                    &uri,
                    params.position,
                    |input, offset, analysis, encoding| {
                        let range = navigation::prepare_rename(input, offset)?;
                        let range = position::range_of(&analysis.snapshot.rope, range, encoding);
                        Some(PrepareRenameResponse::Range(range))
                    },
                )
            })
            .await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        let new_name = params.new_name;
        let renamed = self
            .shared
            .isolated("textDocument/rename", move |shared| {
                let uri = at.text_document.uri;
                with_offset(
                    shared,
                    &uri,
                    at.position,
                    |input, offset, analysis, encoding| {
                        let edits = match navigation::rename(input, offset, &new_name) {
                            Ok(edits) => edits,
                            Err(message) => return Some(Err(message)),
                        };
                        let edits = edits
                            .into_iter()
                            .map(|edit| {
                                let range = position::range_of(
                                    &analysis.snapshot.rope,
                                    edit.range,
                                    encoding,
                                );
                                TextEdit::new(range, edit.new_text)
                            })
                            .collect();
                        Some(Ok(WorkspaceEdit {
                            changes: Some(std::collections::HashMap::from([(uri.clone(), edits)])),
                            ..WorkspaceEdit::default()
                        }))
                    },
                )
            })
            .await?;
        match renamed {
            None => Ok(None),
            Some(Ok(edit)) => Ok(Some(edit)),
            Some(Err(message)) => Err(jsonrpc::Error::invalid_params(message)),
        }
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        self.shared
            .isolated("textDocument/semanticTokens/full", move |shared| {
                let snapshot = shared.snapshot(&uri)?;
                let format =
                    rulelens_syntax::detect_format(&snapshot.detection_path, &snapshot.text);
                let tokens = semantic_tokens::semantic_tokens(format, &snapshot.text);
                let encoding = shared.session().encoding;
                Some(SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: None,
                    data: encode_tokens(&snapshot.rope, &tokens, encoding),
                }))
            })
            .await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != EXPLAIN_COMMAND {
            return Err(jsonrpc::Error::invalid_params(format!(
                "unknown command `{}`: the server runs only {EXPLAIN_COMMAND}",
                params.command
            )));
        }
        let Some(id) = params.arguments.first().and_then(|a| a.as_str()) else {
            return Err(jsonrpc::Error::invalid_params(
                "rulelens.explain needs the lint id as its argument, such as \"syntax/binary-file\"",
            ));
        };
        let Some(lint) = find_lint(id) else {
            return Err(jsonrpc::Error::invalid_params(format!(
                "unknown lint id `{id}`: run `rulelens explain` to list every lint"
            )));
        };
        let docs = format!(
            "# {}\n\nDefault severity: {}\n\n{}",
            lint.info.id,
            lint.info.default_severity.name(),
            lint.info.docs
        );
        Ok(Some(LSPAny::String(docs)))
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written; `tags` replaces it.
fn to_document_symbol(
    rope: &ropey::Rope,
    symbol: &navigation::Symbol,
    encoding: PositionEncoding,
) -> DocumentSymbol {
    let kind = match symbol.kind {
        navigation::SymbolKind::Rule => SymbolKind::MODULE,
        navigation::SymbolKind::Selection => SymbolKind::VARIABLE,
        navigation::SymbolKind::Condition => SymbolKind::BOOLEAN,
        navigation::SymbolKind::Binding => SymbolKind::CONSTANT,
        navigation::SymbolKind::Macro => SymbolKind::FUNCTION,
    };
    let children: Vec<DocumentSymbol> = symbol
        .children
        .iter()
        .map(|child| to_document_symbol(rope, child, encoding))
        .collect();
    DocumentSymbol {
        name: symbol.name.clone(),
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: position::range_of(rope, symbol.range, encoding),
        selection_range: position::range_of(rope, symbol.name_range, encoding),
        children: (!children.is_empty()).then_some(children),
    }
}

fn token_type(kind: TokenKind) -> SemanticTokenType {
    match kind {
        TokenKind::Keyword => SemanticTokenType::KEYWORD,
        TokenKind::Operator => SemanticTokenType::OPERATOR,
        TokenKind::String => SemanticTokenType::STRING,
        TokenKind::Number => SemanticTokenType::NUMBER,
        TokenKind::Comment => SemanticTokenType::COMMENT,
        TokenKind::Variable => SemanticTokenType::VARIABLE,
        TokenKind::Function => SemanticTokenType::FUNCTION,
        TokenKind::Macro => SemanticTokenType::MACRO,
    }
}

/// Encodes tokens in the protocol's relative form: each token's line and start are deltas
/// from the previous token, in the negotiated position encoding.
fn encode_tokens(
    rope: &ropey::Rope,
    tokens: &[semantic_tokens::Token],
    encoding: PositionEncoding,
) -> Vec<SemanticToken> {
    let mut encoded = Vec::with_capacity(tokens.len());
    let mut previous = Position::new(0, 0);
    for token in tokens {
        let start = position::position_of(rope, token.range.start(), encoding);
        let end = position::position_of(rope, token.range.end(), encoding);
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        let delta_line = start.line - previous.line;
        let delta_start = if delta_line == 0 {
            start.character - previous.character
        } else {
            start.character
        };
        encoded.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: TokenKind::ALL
                .iter()
                .position(|kind| *kind == token.kind)
                .and_then(|index| u32::try_from(index).ok())
                .unwrap_or_default(),
            token_modifiers_bitset: 0,
        });
        previous = start;
    }
    encoded
}

fn completion_kind(kind: CompletionKind) -> CompletionItemKind {
    match kind {
        CompletionKind::Field => CompletionItemKind::FIELD,
        CompletionKind::Modifier | CompletionKind::Operator => CompletionItemKind::OPERATOR,
        CompletionKind::Keyword | CompletionKind::Command => CompletionItemKind::KEYWORD,
        CompletionKind::Table => CompletionItemKind::CLASS,
        CompletionKind::Macro => CompletionItemKind::FUNCTION,
        CompletionKind::Tag => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Value => CompletionItemKind::VALUE,
    }
}

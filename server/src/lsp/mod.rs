//! `rulelens server`: the language server, speaking LSP over standard input and output.
//!
//! This is a thin adapter. The analysis crate computes diagnostics, hover, completion, code
//! actions and navigation in byte offsets; the modules here hold the open documents, convert
//! positions in the negotiated encoding, schedule analyses, and translate to protocol types.
//!
//! - [`document`]: open documents as ropes, edited incrementally.
//! - [`position`]: byte offsets to LSP positions and back, in UTF-8 or UTF-16.
//! - [`analysis`]: one analysis of a snapshot and its LSP diagnostics.
//! - [`scheduler`]: debounced, version-checked diagnostics.
//! - [`code_actions`]: fixes, suppressions and their `resolve`.
//! - [`handlers`]: the `LanguageServer` methods.
//! - [`state`]: the shared state, and the panic isolation every request runs in.
//! - [`framing`]: the guard that keeps a malformed message from stopping the transport.

mod analysis;
mod code_actions;
mod config;
mod document;
mod framing;
mod handlers;
mod position;
mod scheduler;
mod state;

use std::sync::Arc;
use tower_lsp_server::{LspService, Server};

/// The environment variable that turns on the test hooks (`RULELENS_TEST_HOOKS=1`): a
/// `rulelens/testPanic` request and a document marker that make the server panic on purpose,
/// and a `rulelens/testDocumentText` request that returns the text the server holds.
pub const TEST_HOOKS_ENV: &str = "RULELENS_TEST_HOOKS";

#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Speak LSP over standard input and output (the only transport; accepted because editor
    /// clients pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Runs the server until the client sends `exit` or closes standard input.
pub fn run(_args: &ServerArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve());
    // The standard input reader is a blocking read that tokio cannot cancel, and after `exit`
    // the client may keep its end open. Dropping the runtime would wait for that read, so the
    // runtime is left to the process exit instead. Every response was written before `serve`
    // returned.
    runtime.shutdown_background();
    Ok(())
}

async fn serve() {
    let test_hooks = std::env::var(TEST_HOOKS_ENV).is_ok_and(|value| value == "1");
    let mut builder = LspService::build(|client| handlers::Backend {
        shared: Arc::new(state::Shared::new(client, test_hooks)),
    });
    builder = builder.custom_method(
        framing::INVALID_MESSAGE_METHOD,
        handlers::Backend::invalid_message,
    );
    if test_hooks {
        builder = builder
            .custom_method("rulelens/testPanic", handlers::Backend::test_panic)
            .custom_method(
                "rulelens/testDocumentText",
                handlers::Backend::test_document_text,
            );
    }
    let (service, socket) = builder.finish();
    tracing::info!("language server started");
    let (guarded_input, transport_input) = tokio::io::duplex(64 * 1024);
    tokio::spawn(framing::forward_messages(tokio::io::stdin(), guarded_input));
    Server::new(transport_input, tokio::io::stdout(), socket)
        .serve(service)
        .await;
    tracing::info!("language server stopped");
}

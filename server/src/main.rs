//! `rulelens`: the command-line linter and language server for detection rules.
//!
//! This binary is the only crate that knows the command line and the LSP; everything it runs
//! lives in the library crates below it.

mod commands;
mod configs;
mod files;
mod fix;
mod logging;
mod lsp;
mod report;
mod sarif;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// A corpus check allocates and frees millions of small parse-tree nodes on every thread;
// mimalloc serves them from per-thread pages with less system time than glibc's arenas.
// Transparent huge pages are off (`no_thp`): with them, each fresh page fault cleared 2 MiB,
// which was a quarter of the CPU time of `check` over the whole corpus (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "rulelens",
    version,
    about = "Lint detection rules against a corpus of public rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check rule files and folders and print every finding.
    Check(commands::check::CheckArgs),
    /// Print the normalized predicates of each rule in a file.
    Inspect(commands::inspect::InspectArgs),
    /// Print the documentation of a lint, or list every lint.
    Explain(commands::explain::ExplainArgs),
    /// Build, describe and list the corpus index.
    Index(commands::index::IndexArgs),
    /// Print the authoring guide for one ATT&CK technique from the corpus index.
    Report(commands::report::ReportArgs),
    /// Run the language server, speaking LSP over standard input and output.
    Server(lsp::ServerArgs),
}

fn main() -> ExitCode {
    logging::init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match &cli.command {
        Command::Check(args) => return commands::check::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Index(args) => commands::index::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Server(args) => lsp::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader such as `head` that closes the pipe early has all it asked for.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

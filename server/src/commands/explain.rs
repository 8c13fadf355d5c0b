//! `rulelens explain`: print a lint's documentation, or list every lint.

use anyhow::bail;
use rulelens_analysis::lints::{find_lint, LINTS};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The lint id, such as `sigma/unused-selection`; without it every lint is listed.
    #[arg(value_name = "LINT")]
    pub lint: Option<String>,
}

pub fn run(args: &ExplainArgs) -> anyhow::Result<()> {
    // Written through a handle rather than `println!`, which panics when a pager such as
    // `head` closes the pipe; the error reaches `main`, which ends quietly.
    let mut out = std::io::stdout().lock();
    let Some(id) = &args.lint else {
        for lint in LINTS {
            writeln!(
                out,
                "{:<40} {:<8} {}",
                lint.info.id,
                lint.info.default_severity.name(),
                lint.info.summary
            )?;
        }
        return Ok(());
    };
    let Some(lint) = find_lint(id) else {
        let suffix = format!("/{id}");
        let candidates: Vec<&str> = LINTS
            .iter()
            .map(|lint| lint.info.id)
            .filter(|known| known.ends_with(&suffix))
            .collect();
        if let [only] = candidates.as_slice() {
            bail!("unknown lint id `{id}`: did you mean `{only}`?");
        }
        bail!("unknown lint id `{id}`: run `rulelens explain` to list every lint");
    };
    writeln!(out, "# {}\n", lint.info.id)?;
    writeln!(
        out,
        "Default severity: {}\n",
        lint.info.default_severity.name()
    )?;
    write!(out, "{}", lint.info.docs)?;
    Ok(())
}

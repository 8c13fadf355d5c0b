//! `rulelens index build|info|fields`: build a corpus index from rule folders, describe an
//! index, and list the field taxonomy with corpus counts.

use anyhow::{bail, Context};
use rulelens_corpus::format::{language_name, FORMAT_VERSION};
use rulelens_corpus::{build_index, combine_indexes, default_index, FieldSystem, Index, Taxonomy};
use rulelens_syntax::Vendor;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    pub command: IndexCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum IndexCommand {
    /// Build an index from rule folders or files.
    Build(BuildArgs),
    /// Print what an index holds: rules per vendor and language, indicators, techniques,
    /// fields and build inputs.
    Info(InfoArgs),
    /// List field concepts with their aliases and rule counts, and frequent unmapped fields.
    Fields(FieldsArgs),
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The index file to write.
    #[arg(long, short, value_name = "FILE", default_value = "rulelens.rlidx")]
    pub out: PathBuf,
    /// Folders (read recursively) or files holding rules.
    #[arg(value_name = "DIR", required = true)]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// The index file; without it the embedded default index is described.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct FieldsArgs {
    /// The index file to count rules in; without it the embedded default index is used.
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,
    /// An index file to add to the default one (or to --index); repeatable.
    #[arg(long, value_name = "FILE")]
    pub add_index: Vec<PathBuf>,
    /// How many of the most used field names to check for a mapping.
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub top: usize,
}

pub fn run(args: &IndexArgs) -> anyhow::Result<()> {
    match &args.command {
        IndexCommand::Build(args) => run_build(args),
        IndexCommand::Info(args) => run_info(args),
        IndexCommand::Fields(args) => run_fields(args),
    }
}

/// An index from `--index FILE`, or the embedded default.
pub enum LoadedIndex {
    Default(&'static Index),
    File(Box<Index>),
}

impl std::ops::Deref for LoadedIndex {
    type Target = Index;

    fn deref(&self) -> &Index {
        match self {
            LoadedIndex::Default(index) => index,
            LoadedIndex::File(index) => index,
        }
    }
}

/// Loads `path`, or the embedded default index when `path` is `None`, and merges the
/// indexes in `added` into it.
pub fn load_index(path: Option<&Path>, added: &[PathBuf]) -> anyhow::Result<LoadedIndex> {
    let base = match path {
        Some(path) => LoadedIndex::File(Box::new(Index::load(path)?)),
        None => match default_index() {
            Ok(index) => LoadedIndex::Default(index),
            Err(error) => bail!("{error}"),
        },
    };
    if added.is_empty() {
        return Ok(base);
    }
    let mut loaded = Vec::with_capacity(added.len());
    for path in added {
        loaded.push(Index::load(path)?);
    }
    let mut parts: Vec<&Index> = vec![&base];
    parts.extend(loaded.iter());
    let merged = combine_indexes(&parts)?;
    Ok(LoadedIndex::File(Box::new(merged)))
}

fn run_build(args: &BuildArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let (bytes, report) = build_index(&args.inputs, Taxonomy::builtin())?;
    write_atomically(&args.out, &bytes)?;

    let mut err = std::io::stderr().lock();
    for skipped in &report.skipped {
        writeln!(
            err,
            "skipped {}: {}",
            skipped.path.display(),
            skipped.reason
        )?;
    }
    for (format, files) in &report.files_without_rules {
        writeln!(
            err,
            "warning: {files} {format} files gave no rule (front end missing or the files hold none)"
        )?;
    }
    let files: usize = report.rule_files.values().sum();
    writeln!(
        err,
        "indexed {} rules from {files} rule files ({} files seen, {} skipped, {} with syntax \
         errors) in {:.2} s; wrote {} ({} bytes)",
        report.rules,
        report.files_seen,
        report.skipped.len(),
        report.files_with_syntax_errors,
        started.elapsed().as_secs_f64(),
        args.out.display(),
        bytes.len()
    )?;
    Ok(())
}

/// Writes through a temporary file beside the target, so a failed build never leaves a
/// half-written index in place.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot create a file in {}", folder.display()))?;
    temporary
        .write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    temporary
        .persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn run_info(args: &InfoArgs) -> anyhow::Result<()> {
    let index = load_index(args.file.as_deref(), &[])?;
    let mut per_vendor: BTreeMap<(usize, &str), (u32, u32)> = BTreeMap::new();
    let mut per_language: BTreeMap<&str, u32> = BTreeMap::new();
    for rule in index.rule_ids() {
        let Some(info) = index.rule(rule) else {
            continue;
        };
        let vendor = info.vendor.map_or("unknown", Vendor::name);
        let order = Vendor::ALL
            .iter()
            .position(|v| v.name() == vendor)
            .unwrap_or(5);
        let counts = per_vendor.entry((order, vendor)).or_default();
        if info.deprecated {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
        *per_language
            .entry(info.language.map_or("unknown", language_name))
            .or_default() += 1;
    }

    let mut out = std::io::stdout().lock();
    let (files_seen, files_skipped) = index.build_file_counts();
    writeln!(
        out,
        "index: {} (format version {FORMAT_VERSION}, {} bytes)",
        index.source(),
        index.byte_len()
    )?;
    writeln!(out, "built from: {}", index.build_inputs().join(", "))?;
    writeln!(out, "files seen: {files_seen}, skipped: {files_skipped}")?;
    writeln!(
        out,
        "rules: {} ({} active, {} deprecated)",
        index.rule_count(),
        index.active_rule_count(),
        index.rule_count() - index.active_rule_count()
    )?;
    for ((_, vendor), (active, deprecated)) in &per_vendor {
        writeln!(
            out,
            "  {vendor:<10} {active:>6} active {deprecated:>6} deprecated"
        )?;
    }
    writeln!(out, "languages:")?;
    for (language, count) in &per_language {
        writeln!(out, "  {language:<18} {count:>6}")?;
    }
    writeln!(out, "indicators: {}", index.indicator_count())?;
    writeln!(out, "techniques: {}", index.techniques().len())?;
    writeln!(out, "fields: {}", index.field_count())?;
    writeln!(out, "duplicate groups: {}", index.duplicate_groups().len())?;
    Ok(())
}

/// One written field name with its rule count and concept.
struct NameUse<'a> {
    name: String,
    concept: &'a str,
    rules: u32,
}

fn run_fields(args: &FieldsArgs) -> anyhow::Result<()> {
    let index = load_index(args.index.as_deref(), &args.add_index)?;
    let taxonomy = Taxonomy::builtin();
    let mut out = std::io::stdout().lock();

    let mut names: Vec<NameUse<'_>> = Vec::new();
    let mut concept_rules: BTreeMap<&str, u32> = BTreeMap::new();
    for concept in index.field_concepts() {
        let Some(stats) = index.field_stats(concept, 0) else {
            continue;
        };
        concept_rules.insert(concept, stats.rules.total());
        for (name, rules) in stats.written_names {
            names.push(NameUse {
                name,
                concept,
                rules,
            });
        }
    }

    let mut concepts: Vec<(u32, &str, Vec<String>)> = taxonomy
        .concepts()
        .map(|id| {
            let concept = taxonomy.concept_name(id);
            let aliases: Vec<String> = taxonomy
                .aliases(id)
                .iter()
                .map(|alias| alias_text(alias.system, &alias.context, &alias.field))
                .collect();
            let rules = concept_rules.get(concept).copied().unwrap_or(0);
            (rules, concept, aliases)
        })
        .collect();
    concepts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    writeln!(out, "concept\trules\taliases")?;
    for (rules, concept, aliases) in &concepts {
        writeln!(out, "{concept}\t{rules}\t{}", aliases.join(" "))?;
    }

    names.sort_by(|a, b| b.rules.cmp(&a.rules).then_with(|| a.name.cmp(&b.name)));
    names.truncate(args.top);
    let unmapped: Vec<&NameUse<'_>> = names
        .iter()
        .filter(|name| taxonomy.concept_by_name(name.concept).is_none())
        .collect();
    writeln!(
        out,
        "\nof the {} most used field names, {} map to a concept; unmapped:",
        names.len(),
        names.len() - unmapped.len()
    )?;
    writeln!(out, "field\trules")?;
    for name in unmapped {
        writeln!(out, "{}\t{}", name.name, name.rules)?;
    }
    Ok(())
}

fn alias_text(system: FieldSystem, context: &str, field: &str) -> String {
    if context == "*" {
        format!("{system}:{field}")
    } else {
        format!("{system}:{context}:{field}")
    }
}

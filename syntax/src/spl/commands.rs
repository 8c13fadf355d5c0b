//! The SPL commands the parser recognises, and which of them transform events into a table.
//!
//! The list holds the commands of the Splunk Enterprise search reference plus the common app
//! commands detection content uses (Machine Learning Toolkit `fit`/`apply`, URL Toolbox
//! lookups run through `lookup`, `xmlkv`). A name missing from it is reported as an unknown
//! command at warning level, because a custom app can add commands.

/// The effect of a command on the event stream, as far as lowering needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandClass {
    /// Passes events on, possibly filtered or with new fields.
    Streaming,
    /// Turns events into a table of aggregates (`stats`, `chart`, `tstats`): a later filter
    /// on an aggregate is a threshold, not an event filter.
    Transforming,
    /// Produces events or rows without reading the stream before it (`inputlookup`, `rest`).
    Generating,
}

/// Commands that aggregate events into rows.
const TRANSFORMING: &[&str] = &[
    "chart",
    "contingency",
    "geostats",
    "mstats",
    "rare",
    "sichart",
    "sirare",
    "sistats",
    "sitimechart",
    "sitop",
    "stats",
    "timechart",
    "top",
    "tstats",
    "xyseries",
];

/// Commands that start a pipeline and ignore any stream before them.
const GENERATING: &[&str] = &[
    "datamodel",
    "dbinspect",
    "eventcount",
    "from",
    "gentimes",
    "inputcsv",
    "inputlookup",
    "loadjob",
    "makeresults",
    "metadata",
    "metasearch",
    "pivot",
    "rest",
    "savedsearch",
];

/// Other commands of the search reference and of common apps.
const STREAMING: &[&str] = &[
    "abstract",
    "accum",
    "addcoltotals",
    "addinfo",
    "addtotals",
    "analyzefields",
    "anomalies",
    "anomalousvalue",
    "anomalydetection",
    "append",
    "appendcols",
    "appendpipe",
    "apply",
    "arules",
    "associate",
    "autoregress",
    "bin",
    "bucket",
    "bucketdir",
    "cluster",
    "cofilter",
    "collect",
    "concurrency",
    "convert",
    "correlate",
    "cyberchef",
    "dedup",
    "delete",
    "delta",
    "diff",
    "erex",
    "eval",
    "eventstats",
    "extract",
    "fieldformat",
    "fields",
    "fieldsummary",
    "filldown",
    "fillnull",
    "findtypes",
    "fit",
    "folderize",
    "foreach",
    "format",
    "fromjson",
    "head",
    "highlight",
    "history",
    "iconify",
    "inputintelligence",
    "iplocation",
    "join",
    "kmeans",
    "kv",
    "kvform",
    "localize",
    "localop",
    "lookup",
    "makecontinuous",
    "makemv",
    "map",
    "mcollect",
    "meventcollect",
    "multikv",
    "multisearch",
    "mvcombine",
    "mvexpand",
    "nomv",
    "outlier",
    "outputcsv",
    "outputlookup",
    "outputtext",
    "overlap",
    "predict",
    "rangemap",
    "regex",
    "reltime",
    "rename",
    "replace",
    "require",
    "return",
    "reverse",
    "rex",
    "rtorder",
    "score",
    "script",
    "scrub",
    "search",
    "searchtxn",
    "selfjoin",
    "sendalert",
    "sendemail",
    "set",
    "setfields",
    "shape",
    "sort",
    "spath",
    "strcat",
    "streamstats",
    "summary",
    "table",
    "tags",
    "tail",
    "tojson",
    "transaction",
    "transpose",
    "trendline",
    "typeahead",
    "typelearner",
    "typer",
    "union",
    "uniq",
    "untable",
    "walklex",
    "where",
    "x11",
    "xmlkv",
    "xmlunescape",
    "xpath",
];

/// Returns the class of a command by its lower-case name, or `None` for an unknown command.
pub fn command_class(name: &str) -> Option<CommandClass> {
    if TRANSFORMING.binary_search(&name).is_ok() {
        Some(CommandClass::Transforming)
    } else if GENERATING.binary_search(&name).is_ok() {
        Some(CommandClass::Generating)
    } else if STREAMING.binary_search(&name).is_ok() {
        Some(CommandClass::Streaming)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lists_are_sorted_for_search() {
        for list in [TRANSFORMING, GENERATING, STREAMING] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted, list.to_vec());
        }
    }

    #[test]
    fn command_classes() {
        assert_eq!(command_class("tstats"), Some(CommandClass::Transforming));
        assert_eq!(command_class("inputlookup"), Some(CommandClass::Generating));
        assert_eq!(command_class("rex"), Some(CommandClass::Streaming));
        assert_eq!(command_class("frobnicate"), None);
    }
}

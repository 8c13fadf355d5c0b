//! The SPL syntax tree: a pipeline of commands, search expressions and eval expressions.
//!
//! Every range is a byte range of the user's text. Parts that a macro produced carry the range
//! of the macro call.

use crate::ir::TextRange;

/// A search: commands joined by `|`. A subsearch (`[...]`) is a pipeline of its own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pipeline {
    pub commands: Vec<Command>,
    pub range: TextRange,
}

/// One command of a pipeline with its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    /// The command name in lower case; `search` also for the implicit search at the start.
    pub name: String,
    /// The range of the name as written, empty for the implicit `search`.
    pub name_range: TextRange,
    /// The whole command, from its name to the end of its arguments.
    pub range: TextRange,
    pub kind: CommandKind,
    /// Subsearches found among the arguments of commands that are not search expressions
    /// (`join`, `append`, `map`).
    pub subsearches: Vec<Pipeline>,
}

/// The arguments of the commands whose meaning lowering needs.
#[derive(Clone, Debug, PartialEq)]
pub enum CommandKind {
    /// `search` and the implicit search: `None` when the expression is empty.
    Search(Option<SearchNode>),
    Where(Option<EvalNode>),
    /// `eval name = expression, ...`.
    Eval(Vec<Assignment>),
    /// `tstats ... from datamodel=X.Y where ... by ...`, also `mstats`.
    Tstats {
        datamodel: Option<Word>,
        filter: Option<SearchNode>,
        by: Vec<Word>,
    },
    /// `stats`, `chart`, `timechart`, `eventstats` and the like: the group-by fields and
    /// the names given with `as`.
    Stats {
        by: Vec<Word>,
        outputs: Vec<Word>,
    },
    /// `rename old as new, ...`.
    Rename(Vec<(Word, Word)>),
    /// A command that adds fields whose values come from elsewhere (`lookup` outputs, `rex`
    /// named groups, `spath output=`).
    Extract {
        outputs: Vec<String>,
    },
    /// `regex field="pattern"`, `regex field!="pattern"` or `regex "pattern"` (on `_raw`).
    Regex {
        field: Option<Word>,
        negated: bool,
        pattern: Option<Word>,
    },
    /// `from datamodel X.Y` or `datamodel X Y search`: events of a data model dataset.
    DataModel {
        datamodel: Option<Word>,
    },
    /// `join`: `outer` for `type=outer` and `type=left`, which keep rows without a match.
    Join {
        outer: bool,
    },
    /// A macro call left unexpanded where a command was expected.
    Macro {
        name: String,
    },
    /// Any other command; its arguments are skipped.
    Other,
}

/// `name = expression` in `eval`.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub field: Word,
    pub value: EvalNode,
}

/// A word of a search expression: a field name, a value or a keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The text as written, quotes and escapes included.
    pub source: String,
    /// The text with quotes removed and `\\` and `\"` escapes resolved.
    pub value: String,
    /// True when any part of the word was in double quotes.
    pub quoted: bool,
    pub range: TextRange,
}

impl Word {
    /// Returns the text without its surrounding double quotes, escapes kept as written.
    pub fn written(&self) -> &str {
        let source = self.source.as_str();
        match source.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            Some(inner) if source.len() >= 2 => inner,
            _ => source,
        }
    }
}

/// The comparison operators of a search term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn text(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A search expression, as the `search` command and `tstats where` read it.
#[derive(Clone, Debug, PartialEq)]
pub enum SearchNode {
    And(Vec<SearchNode>),
    Or(Vec<SearchNode>),
    Not {
        inner: Box<SearchNode>,
        range: TextRange,
    },
    /// `field=value`, `field!=value`, `field>5`.
    Compare {
        field: Word,
        op: CompareOp,
        value: Word,
        range: TextRange,
    },
    /// `field IN (a, b, c)`.
    In {
        field: Word,
        values: Vec<Word>,
        range: TextRange,
    },
    /// A bare word or quoted phrase matched against the raw event.
    Keyword(Word),
    /// A macro call left unexpanded.
    Macro {
        name: String,
        range: TextRange,
    },
    Subsearch {
        pipeline: Box<Pipeline>,
        range: TextRange,
    },
    /// A part that could not be read; a diagnostic was reported for it.
    Invalid(TextRange),
}

impl SearchNode {
    pub fn range(&self) -> TextRange {
        match self {
            SearchNode::And(items) | SearchNode::Or(items) => {
                cover_all(items.iter().map(Self::range))
            }
            SearchNode::Not { range, .. }
            | SearchNode::Compare { range, .. }
            | SearchNode::In { range, .. }
            | SearchNode::Macro { range, .. }
            | SearchNode::Subsearch { range, .. }
            | SearchNode::Invalid(range) => *range,
            SearchNode::Keyword(word) => word.range,
        }
    }
}

/// The binary operators of eval expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    Xor,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Concat,
}

/// An eval expression, as `where` and `eval` read it.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalNode {
    /// A field name, bare or in single quotes.
    Field {
        name: String,
        range: TextRange,
    },
    /// A string literal in double quotes, escapes resolved.
    String {
        value: String,
        range: TextRange,
    },
    Number {
        text: String,
        range: TextRange,
    },
    Call {
        /// Lower case.
        name: String,
        arguments: Vec<EvalNode>,
        range: TextRange,
    },
    Binary {
        op: BinaryOp,
        left: Box<EvalNode>,
        right: Box<EvalNode>,
        range: TextRange,
    },
    /// Operands joined by one of `AND`, `OR` or `XOR`, kept flat so that a long condition
    /// does not make a deep tree.
    Logical {
        op: BinaryOp,
        operands: Vec<EvalNode>,
        range: TextRange,
    },
    Not {
        inner: Box<EvalNode>,
        range: TextRange,
    },
    Negate {
        inner: Box<EvalNode>,
        range: TextRange,
    },
    /// `value IN (a, b)`.
    In {
        value: Box<EvalNode>,
        list: Vec<EvalNode>,
        range: TextRange,
    },
    Macro {
        name: String,
        range: TextRange,
    },
    Subsearch {
        pipeline: Box<Pipeline>,
        range: TextRange,
    },
    Invalid(TextRange),
}

impl EvalNode {
    pub fn range(&self) -> TextRange {
        match self {
            EvalNode::Field { range, .. }
            | EvalNode::String { range, .. }
            | EvalNode::Number { range, .. }
            | EvalNode::Call { range, .. }
            | EvalNode::Binary { range, .. }
            | EvalNode::Logical { range, .. }
            | EvalNode::Not { range, .. }
            | EvalNode::Negate { range, .. }
            | EvalNode::In { range, .. }
            | EvalNode::Macro { range, .. }
            | EvalNode::Subsearch { range, .. }
            | EvalNode::Invalid(range) => *range,
        }
    }
}

pub(crate) fn cover_all(ranges: impl Iterator<Item = TextRange>) -> TextRange {
    ranges.reduce(TextRange::cover).unwrap_or_default()
}

//! The KQL syntax tree the parser builds and the lowering reads.
//!
//! Only the parts of KQL that decide which rows a detection matches are modelled in depth:
//! `let` statements, the source of a pipeline, `where`/`filter` expressions, assignments of
//! `extend`/`project`/`summarize`, and the subqueries of `join`, `lookup` and `union`. Other
//! tabular operators keep their name and range. Every range is a byte range into the file the
//! query was read from, so a query embedded in YAML points at the YAML text.
//!
//! Binary operators of one precedence level are stored as one n-ary node, so that a long
//! `a or b or c ...` chain does not make a deep tree.

use crate::ir::TextRange;

/// A whole query: `let` statements and tabular statements separated by `;`.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub statements: Vec<Statement>,
}

#[derive(Clone, Debug)]
pub enum Statement {
    Let(LetStatement),
    /// A tabular expression statement: the query's output.
    Tabular(Pipeline),
    /// `set`, `declare`, `alias` and other statements that do not affect matching.
    Other(TextRange),
}

/// A name as written, with its range. Bracketed names (`['a b']`) hold the decoded name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub range: TextRange,
}

#[derive(Clone, Debug)]
pub struct LetStatement {
    pub name: Name,
    pub value: LetValue,
    pub range: TextRange,
}

#[derive(Clone, Debug)]
pub enum LetValue {
    /// A scalar or tabular expression; tabular when it has operators or a tabular source.
    Expression(Pipeline),
    /// `(params) { body }` or `view () { body }`.
    Function {
        parameters: Vec<Name>,
        body: Vec<Statement>,
    },
}

/// A source followed by `| operator` steps. A plain scalar expression is a pipeline with no
/// operators whose source is [`Source::Expression`].
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub source: Source,
    pub operators: Vec<Operator>,
    pub range: TextRange,
}

#[derive(Clone, Debug)]
pub enum Source {
    /// A table name, a `let` name, a function call or any scalar expression.
    Expression(Expression),
    Union(Union),
    /// `search [in (tables)] predicate`, and `find in (tables) where predicate`.
    Search {
        tables: Vec<Expression>,
        predicate: Option<Expression>,
        range: TextRange,
    },
    /// A source that produces rows without reading a table: `datatable`, `externaldata`,
    /// `print`, `range`, `find`, `evaluate`.
    Generated {
        keyword: Name,
        range: TextRange,
    },
    /// Nothing where a source was expected (a syntax error was reported).
    Missing(TextRange),
}

#[derive(Clone, Debug)]
pub struct Union {
    pub legs: Vec<Pipeline>,
    pub range: TextRange,
}

/// One `| name ...` step.
#[derive(Clone, Debug)]
pub struct Operator {
    /// The operator name, hyphenated names joined (`project-away`).
    pub name: Name,
    pub kind: OperatorKind,
    /// From the operator name to the end of its arguments (the `|` excluded).
    pub range: TextRange,
}

#[derive(Clone, Debug)]
pub enum OperatorKind {
    Where(Expression),
    /// `extend`, `project`, `project-rename`: columns assigned or listed.
    Columns(Vec<Assignment>),
    Summarize {
        aggregates: Vec<Assignment>,
        by: Vec<Assignment>,
    },
    /// `join` and `lookup`.
    Join {
        /// The `kind=` parameter as written, lower-cased.
        kind: Option<String>,
        right: Option<Box<Pipeline>>,
        on: Vec<Expression>,
    },
    Union(Union),
    /// `parse`, `parse-where`, `parse-kv`: the columns they add.
    Parse {
        columns: Vec<Name>,
    },
    /// A search operator inside a pipeline.
    Search(Option<Expression>),
    /// An operator whose arguments are not modelled; their brackets and strings are checked.
    Other,
}

/// `name = value`, `(a, b) = value`, or a bare `value` in a column list.
#[derive(Clone, Debug)]
pub struct Assignment {
    /// The assigned names; empty for a bare expression.
    pub targets: Vec<Name>,
    pub value: Expression,
}

#[derive(Clone, Debug)]
pub struct Expression {
    pub kind: ExpressionKind,
    pub range: TextRange,
}

#[derive(Clone, Debug)]
pub enum ExpressionKind {
    /// An identifier or a bracketed name.
    Name(String),
    Literal(Literal),
    /// `*` as a column wildcard in function arguments (`arg_max(t, *)`, `* has "x"`).
    Star,
    /// `name(args)`.
    Call {
        function: Name,
        arguments: Vec<Expression>,
    },
    /// `base.member` and `base[index]` steps, kept flat.
    Path {
        base: Box<Expression>,
        steps: Vec<PathStep>,
    },
    /// `and`/`or` chains.
    Logical {
        operator: LogicalOperator,
        operands: Vec<Expression>,
    },
    /// Binary operators other than `and`/`or`, one precedence level per node:
    /// `operands[0] operators[0] operands[1] ...`.
    Binary {
        operators: Vec<Name>,
        operands: Vec<Expression>,
    },
    /// A named argument of a call, `starttime = ago(1d)`.
    NamedArgument {
        name: Name,
        value: Box<Expression>,
    },
    /// `-x`, `+x`.
    Unary {
        operator: Name,
        operand: Box<Expression>,
    },
    /// `low .. high`, the operand of `between`.
    Range {
        low: Box<Expression>,
        high: Box<Expression>,
    },
    /// `(a, b, c)` or `[a, b]`: the operand of `in` and `has_any`, or a `dynamic` array.
    List(Vec<Expression>),
    /// `{ "key": value }` inside `dynamic(...)`.
    Object(Vec<(Expression, Expression)>),
    /// A parenthesized tabular expression, `(T | where ...)`.
    Pipeline(Box<Pipeline>),
    /// Nothing where an operand was expected (a syntax error was reported).
    Missing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicalOperator {
    And,
    Or,
}

#[derive(Clone, Debug)]
pub enum PathStep {
    Member(Name),
    Index(Expression),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A decoded string; adjacent string literals are concatenated as KQL does.
    String(String),
    /// A number as written.
    Number(String),
    Timespan(String),
    Bool(bool),
    /// `datetime(...)`, `guid(...)` and other typed literals, as written.
    Typed(String),
}

impl Expression {
    pub fn missing(range: TextRange) -> Expression {
        Expression {
            kind: ExpressionKind::Missing,
            range,
        }
    }
}

//! Lowering a parsed query to the Rule IR: which tables it reads and which rows it keeps.
//!
//! The main pipeline is the last tabular statement. Its source is followed through `let`
//! names, `materialize()`, functions defined in the query and parenthesized queries to the
//! tables it reads. Along the way a *flow* records the `where` conjuncts and which columns
//! are computed (`extend`, `project`, `parse`) or aggregated (`summarize`), so that a later
//! predicate on such a column gets [`PredicateContext::Computed`] or
//! [`PredicateContext::Threshold`].
//!
//! Joins: every output row of an `inner`, `innerunique` (the default), `leftsemi`,
//! `rightsemi`, `rightouter` or `rightanti` join passed the right side's filters. So the right
//! side's predicates are followed and added to the logic, beside an [`Expr::Opaque`] for the
//! join condition. Other kinds (`leftouter`, `leftanti`, `fullouter`) and `lookup` are
//! [`Expr::Opaque`] only. A `union` is an `Or` of its
//! legs; a leg with no predicate is an `Opaque` leg, because it lets any row through.

mod predicate;
mod scope;

use super::ast::*;
use crate::ir::{DataSource, DataSourceKind, Expr, Opaque, TextRange};
use scope::Scope;
use std::collections::HashSet;

/// How many `let` names, functions and subqueries one lowering follows inside each other;
/// it stops reference cycles and bounds the recursion.
const MAX_FOLLOW_DEPTH: usize = 32;

/// How many `let` names, functions and subqueries one lowering follows in total. A query that
/// unions a `let` with itself at every level would otherwise take exponential time.
const FOLLOW_BUDGET: usize = 10_000;

/// The tables a query reads and the rows it keeps.
#[derive(Clone, Debug, Default)]
pub struct Lowered {
    pub data_sources: Vec<DataSource>,
    pub logic: Option<Expr>,
}

/// Lowers the main pipeline of `query`. `file_text` is the text the query's ranges point
/// into, used to keep time-window values as written.
pub fn lower(query: &Query, file_text: &str) -> Lowered {
    let mut lowerer = Lowerer {
        file_text,
        scope: Scope::default(),
        data_sources: Vec::new(),
        depth: 0,
        budget: FOLLOW_BUDGET,
        table_names: HashSet::new(),
    };
    let flow = match lowerer.bind_statements(&query.statements) {
        Some(main) => lowerer.pipeline(main),
        // A file that only defines a function, as stored parser functions do: the
        // function's body is what the file detects.
        None => match last_function_body(&query.statements) {
            Some(body) => lowerer.function_body(body),
            None => Flow::default(),
        },
    };
    Lowered {
        data_sources: lowerer.data_sources,
        logic: conjunction(flow.conjuncts),
    }
}

fn last_function_body(statements: &[Statement]) -> Option<&[Statement]> {
    statements
        .iter()
        .rev()
        .find_map(|statement| match statement {
            Statement::Let(LetStatement {
                value: LetValue::Function { body, .. },
                ..
            }) => Some(body.as_slice()),
            _ => None,
        })
}

/// The value a name in scope is bound to.
#[derive(Clone, Copy, Debug)]
pub(super) enum Binding<'q> {
    Let(&'q LetValue),
    /// A function parameter, bound to the argument of the call being followed.
    Argument(&'q Expression),
}

/// The state of rows flowing down a pipeline.
#[derive(Clone, Debug, Default)]
pub(super) struct Flow {
    conjuncts: Vec<Expr>,
    computed: HashSet<String>,
    aggregated: bool,
    group_keys: HashSet<String>,
}

pub(super) struct Lowerer<'q> {
    file_text: &'q str,
    /// The `let` bindings and function parameters names can resolve to.
    scope: Scope<'q>,
    data_sources: Vec<DataSource>,
    depth: usize,
    /// Follows left before [`FOLLOW_BUDGET`] is spent.
    budget: usize,
    /// The names in `data_sources`, so that each table is listed once.
    table_names: HashSet<String>,
}

impl<'q> Lowerer<'q> {
    /// Binds the `let` statements of `statements` and returns the main pipeline: the last
    /// tabular statement, or else the last `let` whose value has operators.
    fn bind_statements(&mut self, statements: &'q [Statement]) -> Option<&'q Pipeline> {
        let mut main = None;
        let mut last_tabular_let = None;
        for statement in statements {
            match statement {
                Statement::Let(binding) => {
                    self.scope
                        .push(&binding.name.text, Binding::Let(&binding.value));
                    if let LetValue::Expression(pipeline) = &binding.value {
                        if !pipeline.operators.is_empty() {
                            last_tabular_let = Some(pipeline);
                        }
                    }
                }
                Statement::Tabular(pipeline) => main = Some(pipeline),
                Statement::Other(_) => {}
            }
        }
        main.or(last_tabular_let)
    }

    /// Returns the file text of `range` with runs of whitespace collapsed to one space.
    fn written_text(&self, range: TextRange) -> String {
        let text = self.file_text.get(range.as_range()).unwrap_or_default();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn lookup(&self, name: &str) -> Option<Binding<'q>> {
        self.scope.lookup(name)
    }

    /// Runs `follow` one level deeper, or returns `None` past [`MAX_FOLLOW_DEPTH`] or once the
    /// [`FOLLOW_BUDGET`] is spent.
    fn deeper<T>(&mut self, follow: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.depth >= MAX_FOLLOW_DEPTH || self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        self.depth += 1;
        let result = follow(self);
        self.depth -= 1;
        Some(result)
    }

    pub(super) fn pipeline(&mut self, pipeline: &'q Pipeline) -> Flow {
        let mut flow = self.source(&pipeline.source);
        for operator in &pipeline.operators {
            self.operator(operator, &mut flow);
        }
        flow
    }

    fn source(&mut self, source: &'q Source) -> Flow {
        match source {
            Source::Expression(expression) => self.tabular_expression(expression),
            Source::Union(union) => self.union(union, None),
            Source::Search {
                tables,
                predicate,
                range,
            } => {
                for table in tables {
                    let _ = self.tabular_expression(table);
                }
                let mut flow = Flow::default();
                if let Some(predicate) = predicate {
                    flow.conjuncts.extend(
                        self.condition(predicate, &flow)
                            .or_else(|| opaque(*range, "search")),
                    );
                }
                flow
            }
            Source::Generated { keyword, range } => Flow {
                conjuncts: vec![Expr::Opaque(Opaque {
                    range: *range,
                    reason: format!("rows from `{}`", keyword.text),
                })],
                ..Flow::default()
            },
            Source::Missing(_) => Flow::default(),
        }
    }

    /// Follows an expression used as a table: a table name, a `let` name, a call or a
    /// parenthesized query.
    fn tabular_expression(&mut self, expression: &'q Expression) -> Flow {
        match &expression.kind {
            ExpressionKind::Name(name) => self.named_source(name, expression.range, &[]),
            ExpressionKind::Call {
                function,
                arguments,
            } => self.call_source(function, arguments, expression.range),
            ExpressionKind::Pipeline(pipeline) => self
                .deeper(|lowerer| lowerer.pipeline(pipeline))
                .unwrap_or_default(),
            ExpressionKind::Path { steps, .. } => {
                // `cluster('c').database('d').Table` or `workspace('w').Table`.
                if let Some(PathStep::Member(table)) = steps.last() {
                    self.add_table(&table.text, table.range);
                }
                Flow::default()
            }
            _ => Flow::default(),
        }
    }

    fn named_source(&mut self, name: &str, range: TextRange, arguments: &'q [Expression]) -> Flow {
        match self.lookup(name) {
            Some(Binding::Let(LetValue::Expression(pipeline))) => {
                self.hiding_binding(name, |lowerer| lowerer.pipeline(pipeline))
            }
            Some(Binding::Let(LetValue::Function { parameters, body })) => {
                let saved = self.scope.len();
                self.bind_arguments(parameters, arguments);
                let flow = self.function_body(body);
                self.scope.truncate(saved);
                flow
            }
            Some(Binding::Argument(argument)) => {
                self.hiding_binding(name, |lowerer| lowerer.tabular_expression(argument))
            }
            None => {
                self.add_table(name, range);
                Flow::default()
            }
        }
    }

    /// Binds the parameters of a function to the arguments of a call: by position, or by
    /// name for `name = value` arguments.
    fn bind_arguments(&mut self, parameters: &'q [Name], arguments: &'q [Expression]) {
        for (position, argument) in arguments.iter().enumerate() {
            match &argument.kind {
                ExpressionKind::NamedArgument { name, value } => {
                    self.scope.push(&name.text, Binding::Argument(value));
                }
                _ => {
                    if let Some(parameter) = parameters.get(position) {
                        self.scope
                            .push(&parameter.text, Binding::Argument(argument));
                    }
                }
            }
        }
    }

    fn call_source(
        &mut self,
        function: &'q Name,
        arguments: &'q [Expression],
        range: TextRange,
    ) -> Flow {
        match function.text.as_str() {
            "materialize" | "toscalar" | "view" => match arguments.first() {
                Some(argument) => self
                    .deeper(|lowerer| lowerer.tabular_expression(argument))
                    .unwrap_or_default(),
                None => Flow::default(),
            },
            "table" => {
                if let Some(Expression {
                    kind: ExpressionKind::Literal(Literal::String(table)),
                    range,
                }) = arguments.first()
                {
                    self.add_table(table, *range);
                }
                Flow::default()
            }
            name => {
                if self.lookup(name).is_some() {
                    return self.named_source(name, range, arguments);
                }
                // A function stored in the workspace, such as an ASIM parser: its name
                // stands for the data it returns, and its named arguments filter it.
                self.add_table(name, function.range);
                let mut flow = Flow::default();
                for argument in arguments {
                    if let ExpressionKind::NamedArgument { name, value } = &argument.kind {
                        flow.conjuncts.extend(self.parser_filter(name, value));
                    }
                }
                flow
            }
        }
    }

    fn function_body(&mut self, body: &'q [Statement]) -> Flow {
        let saved = self.scope.len();
        let result = self.deeper(|lowerer| {
            let main = lowerer.bind_statements(body);
            main.map(|pipeline| lowerer.pipeline(pipeline))
                .unwrap_or_default()
        });
        self.scope.truncate(saved);
        result.unwrap_or_default()
    }

    /// Runs `follow` with the binding of `name` and every later one hidden, so that
    /// `let SigninLogs = SigninLogs | where ...` reads the table, not itself.
    fn hiding_binding(&mut self, name: &str, follow: impl FnOnce(&mut Self) -> Flow) -> Flow {
        let start = self.scope.position(name).unwrap_or(self.scope.len());
        self.scope.hide_from(start);
        let flow = self.deeper(follow).unwrap_or_default();
        self.scope.unhide();
        flow
    }

    fn add_table(&mut self, name: &str, range: TextRange) {
        if !self.table_names.insert(name.to_owned()) {
            return;
        }
        self.data_sources.push(DataSource {
            kind: DataSourceKind::Table,
            value: name.to_owned(),
            range,
        });
    }

    fn union(&mut self, union: &'q Union, current: Option<Flow>) -> Flow {
        let mut legs = Vec::new();
        if let Some(current) = current {
            legs.push((current.conjuncts, union.range));
        }
        for leg in &union.legs {
            let flow = self
                .deeper(|lowerer| lowerer.pipeline(leg))
                .unwrap_or_default();
            legs.push((flow.conjuncts, leg.range));
        }
        let any_predicate = legs.iter().any(|(conjuncts, _)| !conjuncts.is_empty());
        let mut flow = Flow::default();
        if any_predicate {
            let branches = legs
                .into_iter()
                .map(|(conjuncts, range)| {
                    conjunction(conjuncts).unwrap_or_else(|| {
                        Expr::Opaque(Opaque {
                            range,
                            reason: "union leg without a filter".to_owned(),
                        })
                    })
                })
                .collect();
            flow.conjuncts.push(Expr::Or(branches));
        }
        flow
    }

    fn operator(&mut self, operator: &'q Operator, flow: &mut Flow) {
        match &operator.kind {
            OperatorKind::Where(condition) => {
                if let Some(expr) = self.condition(condition, flow) {
                    flow.conjuncts.push(expr);
                }
            }
            OperatorKind::Columns(assignments) => {
                for assignment in assignments {
                    for target in &assignment.targets {
                        flow.computed.insert(target.text.clone());
                    }
                }
            }
            OperatorKind::Summarize { aggregates, by } => {
                flow.aggregated = true;
                flow.group_keys.clear();
                for assignment in aggregates {
                    for target in &assignment.targets {
                        flow.computed.remove(&target.text);
                    }
                }
                for key in by {
                    for target in &key.targets {
                        flow.computed.insert(target.text.clone());
                        flow.group_keys.insert(target.text.clone());
                    }
                    if let ExpressionKind::Name(name) = &key.value.kind {
                        if key.targets.is_empty() {
                            flow.group_keys.insert(name.clone());
                        }
                    }
                }
            }
            OperatorKind::Join { kind, right, .. } => {
                self.join(operator, kind.as_deref(), right, flow)
            }
            OperatorKind::Union(union) => {
                let current = std::mem::take(&mut flow.conjuncts);
                let merged = self.union(
                    union,
                    Some(Flow {
                        conjuncts: current,
                        ..Flow::default()
                    }),
                );
                flow.conjuncts = merged.conjuncts;
            }
            OperatorKind::Parse { columns } => {
                for column in columns {
                    flow.computed.insert(column.text.clone());
                }
            }
            OperatorKind::Search(predicate) => {
                if let Some(predicate) = predicate {
                    if let Some(expr) = self.condition(predicate, flow) {
                        flow.conjuncts.push(expr);
                    }
                }
            }
            OperatorKind::Other => {}
        }
    }

    fn join(
        &mut self,
        operator: &'q Operator,
        kind: Option<&str>,
        right: &'q Option<Box<Pipeline>>,
        flow: &mut Flow,
    ) {
        let is_lookup = operator.name.text == "lookup";
        let constrains = match kind {
            None => !is_lookup,
            // Every output row of these kinds passed the right side's filters.
            Some(kind) => matches!(
                kind,
                "inner"
                    | "innerunique"
                    | "leftsemi"
                    | "rightsemi"
                    | "rightouter"
                    | "rightanti"
                    | "rightantisemi"
            ),
        };
        let reason = match kind {
            Some(kind) => format!("{} kind={kind}", operator.name.text),
            None => operator.name.text.clone(),
        };
        flow.conjuncts.push(Expr::Opaque(Opaque {
            range: operator.range,
            reason,
        }));
        if !constrains {
            return;
        }
        if let Some(right) = right {
            let right_flow = self
                .deeper(|lowerer| lowerer.pipeline(right))
                .unwrap_or_default();
            flow.conjuncts.extend(right_flow.conjuncts);
        }
    }
}

/// Builds the `And` of `conjuncts`, the one conjunct alone, or `None` when there is none.
fn conjunction(mut conjuncts: Vec<Expr>) -> Option<Expr> {
    match conjuncts.len() {
        0 => None,
        1 => conjuncts.pop(),
        _ => Some(Expr::And(conjuncts)),
    }
}

fn opaque(range: TextRange, reason: &str) -> Option<Expr> {
    Some(Expr::Opaque(Opaque {
        range,
        reason: reason.to_owned(),
    }))
}

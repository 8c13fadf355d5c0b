//! Lowering an SPL pipeline to the Rule IR: logic and data sources.
//!
//! Predicates come from the base search, from `tstats ... where`, and from later `search` and
//! `where` commands. What they mean depends on where they stand:
//!
//! - Before the first transforming command (`stats`, `tstats`, `chart`...), a predicate filters
//!   events: [`PredicateContext::Source`].
//! - After it, a predicate on a group-by field still filters events, because the rows keep the
//!   field's values. A predicate on anything else (`count > 5`) is a
//!   [`PredicateContext::Threshold`].
//! - A predicate on a field that `eval`, `rex`, `lookup` or `spath output=` created is
//!   [`PredicateContext::Computed`].
//!
//! `index`, `sourcetype` and `source` terms of the base search become data sources, and so
//! does the data model of `tstats from datamodel=X.Y`. Fields written with the dataset prefix
//! (`Processes.process_name`) lose the prefix and carry the data model instead.

use super::ast::*;
use super::{is_filter_macro_name, SplDocument};
use crate::ir::*;
use std::collections::{HashMap, HashSet};

/// Search terms that set the time range, not a condition on events.
const TIME_MODIFIERS: &[&str] = &[
    "earliest",
    "latest",
    "_index_earliest",
    "_index_latest",
    "starttime",
    "endtime",
    "starttimeu",
    "endtimeu",
    "timeformat",
    "searchtimespan",
];

/// Fields that select data rather than describe events.
const DATA_SOURCE_FIELDS: &[&str] = &["index", "sourcetype", "source", "eventtype"];

/// The logic and data sources of one search.
#[derive(Debug, Default)]
pub struct Lowered {
    pub logic: Option<Expr>,
    pub data_sources: Vec<DataSource>,
}

/// Lowers the top-level pipeline of a parsed search.
pub fn lower(document: &SplDocument) -> Lowered {
    lower_pipeline(&document.pipeline, 0)
}

/// Joined subsearches nested deeper than this stay opaque.
const MAX_JOIN_DEPTH: usize = 8;

fn lower_pipeline(pipeline: &Pipeline, join_depth: usize) -> Lowered {
    let mut lowering = Lowering {
        join_depth,
        ..Lowering::default()
    };
    for (index, command) in pipeline.commands.iter().enumerate() {
        lowering.command(command, index == 0);
    }
    let logic = match lowering.conjuncts.len() {
        0 => None,
        1 => lowering.conjuncts.pop(),
        _ => Some(Expr::And(lowering.conjuncts)),
    };
    Lowered {
        logic,
        data_sources: lowering.data_sources,
    }
}

#[derive(Default)]
struct Lowering {
    conjuncts: Vec<Expr>,
    data_sources: Vec<DataSource>,
    /// True after the first transforming command.
    transformed: bool,
    /// The data model of the last `tstats from datamodel=`, as written.
    data_model: Option<String>,
    /// The fields rows are grouped by after a transforming command, by their current name,
    /// with the data model each came from.
    group_fields: HashMap<String, Option<String>>,
    /// Fields created by the search itself.
    computed: HashSet<String>,
    /// How many `join` subsearches enclose this pipeline.
    join_depth: usize,
}

/// A field reference with the context lowering found for it.
struct FieldInfo {
    field: Field,
    context: PredicateContext,
}

impl Lowering {
    fn command(&mut self, command: &Command, is_first: bool) {
        match &command.kind {
            CommandKind::Search(Some(node)) => {
                if let Some(expr) = self.search(node) {
                    if is_first {
                        self.push_base_search(expr);
                    } else {
                        self.push(expr);
                    }
                }
            }
            CommandKind::Search(None) | CommandKind::Where(None) => {}
            CommandKind::Where(Some(node)) => {
                if let Some(expr) = self.eval(node) {
                    self.push(expr);
                }
            }
            CommandKind::Eval(assignments) => {
                for assignment in assignments {
                    self.mark_computed(&assignment.field.value);
                }
            }
            CommandKind::Tstats {
                datamodel,
                filter,
                by,
            } => self.tstats(datamodel.as_ref(), filter.as_ref(), by),
            CommandKind::Stats { by, outputs } => self.stats(&command.name, by, outputs),
            CommandKind::Rename(pairs) => self.rename(pairs),
            CommandKind::Extract { outputs } => {
                for output in outputs {
                    self.mark_computed(output);
                }
                if command.name == "inputlookup" {
                    self.push(opaque(command.range, "inputlookup"));
                }
            }
            CommandKind::Regex {
                field,
                negated,
                pattern,
            } => self.regex(field.as_ref(), *negated, pattern.as_ref(), command.range),
            CommandKind::DataModel { datamodel } => {
                if let Some(datamodel) = datamodel {
                    self.set_data_model(datamodel);
                }
            }
            CommandKind::Macro { name } => {
                if !is_filter_macro_name(name) {
                    self.push(opaque(command.range, &format!("macro `{name}`")));
                }
            }
            CommandKind::Join { outer } => self.join(command, *outer),
            CommandKind::Other => {
                if matches!(
                    command.name.as_str(),
                    "join"
                        | "append"
                        | "appendpipe"
                        | "appendcols"
                        | "map"
                        | "union"
                        | "multisearch"
                        | "foreach"
                        | "regex"
                        | "set"
                        | "selfjoin"
                        | "transaction"
                ) {
                    self.push(opaque(command.range, &command.name));
                }
            }
        }
    }

    fn push(&mut self, expr: Expr) {
        match expr {
            Expr::And(items) => self.conjuncts.extend(items),
            other => self.conjuncts.push(other),
        }
    }

    fn mark_computed(&mut self, name: &str) {
        self.computed.insert(name.to_owned());
        self.group_fields.remove(name);
    }

    /// Adds the base search, moving its data-source conjuncts to the data sources.
    fn push_base_search(&mut self, expr: Expr) {
        let conjuncts = match expr {
            Expr::And(items) => items,
            other => vec![other],
        };
        for conjunct in conjuncts {
            let mut selectors = Vec::new();
            let is_selector = collect_data_sources(&conjunct, &mut selectors);
            // `sourcetype=x OR Channel=security`, as data-source macros write it, selects
            // data too; an `OR` of larger groups is logic.
            let selects_data = !selectors.is_empty()
                && matches!(&conjunct, Expr::Or(items) if items.iter().all(|item| matches!(item, Expr::Predicate(_))));
            self.data_sources.extend(selectors);
            if !(is_selector || selects_data) {
                self.conjuncts.push(conjunct);
            }
        }
    }

    fn set_data_model(&mut self, datamodel: &Word) {
        self.data_model = Some(datamodel.value.clone());
        self.data_sources.push(DataSource {
            kind: DataSourceKind::DataModel,
            value: datamodel.value.clone(),
            range: datamodel.range,
        });
    }

    /// An inner join keeps only rows the subsearch also returns, so the subsearch's filter
    /// is part of the rule's logic. Outer and left joins filter nothing.
    fn join(&mut self, command: &Command, outer: bool) {
        let is_opaque =
            outer || command.subsearches.is_empty() || self.join_depth >= MAX_JOIN_DEPTH;
        if is_opaque {
            self.push(opaque(command.range, "join"));
            return;
        }
        for subsearch in &command.subsearches {
            let lowered = lower_pipeline(subsearch, self.join_depth + 1);
            self.data_sources.extend(lowered.data_sources);
            match lowered.logic {
                Some(logic) => self.push(logic),
                None => self.push(opaque(subsearch.range, "join")),
            }
        }
    }

    fn regex(
        &mut self,
        field: Option<&Word>,
        negated: bool,
        pattern: Option<&Word>,
        range: TextRange,
    ) {
        let Some(pattern) = pattern else {
            self.push(opaque(range, "regex"));
            return;
        };
        let (name, field_range) = match field {
            Some(field) => (field.value.as_str(), field.range),
            None => ("_raw", pattern.range),
        };
        let info = self.field_info(name, field_range);
        let expr = Expr::Predicate(Predicate {
            field: Some(info.field),
            op: Op::RegexMatch,
            value: Some(Value {
                written: pattern.written().to_owned(),
                normalized: pattern.value.clone(),
                kind: ValueKind::Regex,
                range: pattern.range,
            }),
            written_op: if negated { "regex !=" } else { "regex" }.to_owned(),
            case_sensitive: !pattern.value.starts_with("(?i)"),
            transforms: Vec::new(),
            context: info.context,
            range,
        });
        self.push(if negated {
            Expr::Not(Box::new(expr))
        } else {
            expr
        });
    }

    fn tstats(&mut self, datamodel: Option<&Word>, filter: Option<&SearchNode>, by: &[Word]) {
        if let Some(datamodel) = datamodel {
            self.set_data_model(datamodel);
        }
        if let Some(expr) = filter.and_then(|node| self.search(node)) {
            self.push_base_search(expr);
        }
        self.transformed = true;
        self.group_fields.clear();
        for field in by {
            let (_, data_model) = self.split_data_model(&field.value);
            self.group_fields.insert(field.value.clone(), data_model);
        }
    }

    fn stats(&mut self, name: &str, by: &[Word], outputs: &[Word]) {
        let transforming = !matches!(name, "eventstats" | "streamstats");
        if transforming {
            let previous = std::mem::take(&mut self.group_fields);
            for field in by {
                let data_model = match previous.get(&field.value) {
                    Some(data_model) => data_model.clone(),
                    None => self.split_data_model(&field.value).1,
                };
                self.group_fields.insert(field.value.clone(), data_model);
            }
            self.transformed = true;
        }
        for output in outputs {
            self.mark_computed(&output.value);
        }
        if !transforming {
            self.computed.insert("count".to_owned());
        }
    }

    fn rename(&mut self, pairs: &[(Word, Word)]) {
        for (old, new) in pairs {
            if let (Some(prefix), "*") = (old.value.strip_suffix('*'), new.value.as_str()) {
                // `rename Processes.* as *`, which `drop_dm_object_name` expands to.
                let renamed: Vec<(String, Option<String>)> = self
                    .group_fields
                    .iter()
                    .filter_map(|(name, model)| {
                        name.strip_prefix(prefix)
                            .map(|short| (short.to_owned(), model.clone()))
                    })
                    .collect();
                self.group_fields
                    .retain(|name, _| !name.starts_with(prefix));
                self.group_fields.extend(renamed);
                continue;
            }
            if let Some(model) = self.group_fields.remove(&old.value) {
                self.group_fields.insert(new.value.clone(), model);
            }
            if self.computed.remove(&old.value) {
                self.computed.insert(new.value.clone());
            }
        }
    }

    /// Splits `Processes.process_name` into the field and the data model it belongs to,
    /// when a `tstats from datamodel=` is in effect.
    fn split_data_model(&self, name: &str) -> (String, Option<String>) {
        let Some(model) = &self.data_model else {
            return (name.to_owned(), None);
        };
        let Some((prefix, rest)) = name.split_once('.') else {
            return (name.to_owned(), None);
        };
        if rest.is_empty() {
            return (name.to_owned(), None);
        }
        let mut components = model.split('.');
        let first = components.next().unwrap_or_default();
        let last = model.rsplit('.').next().unwrap_or_default();
        if last == prefix || first == prefix {
            (rest.to_owned(), Some(model.clone()))
        } else if !model.contains('.') {
            // `from datamodel=Network_Traffic` with `All_Traffic.dest_port`: the root dataset.
            (rest.to_owned(), Some(format!("{model}.{prefix}")))
        } else {
            (name.to_owned(), None)
        }
    }

    fn field_info(&self, name: &str, range: TextRange) -> FieldInfo {
        let (short_name, mut data_model) = self.split_data_model(name);
        let context = if self.computed.contains(name) {
            PredicateContext::Computed
        } else if self.transformed {
            match self.group_fields.get(name) {
                Some(model) => {
                    if data_model.is_none() {
                        data_model = model.clone();
                    }
                    PredicateContext::Source
                }
                None => PredicateContext::Threshold,
            }
        } else {
            PredicateContext::Source
        };
        FieldInfo {
            field: Field {
                name: short_name,
                range,
                data_model,
            },
            context,
        }
    }

    // ----- search expressions -----

    fn search(&self, node: &SearchNode) -> Option<Expr> {
        match node {
            SearchNode::And(items) => {
                let items: Vec<Expr> = items.iter().filter_map(|item| self.search(item)).collect();
                and_of(items)
            }
            SearchNode::Or(items) => {
                let items: Vec<Expr> = items.iter().filter_map(|item| self.search(item)).collect();
                or_of(items)
            }
            SearchNode::Not { inner, .. } => {
                self.search(inner).map(|inner| Expr::Not(Box::new(inner)))
            }
            SearchNode::Compare {
                field,
                op,
                value,
                range,
            } => self.search_compare(field, *op, value, *range),
            SearchNode::In {
                field,
                values,
                range,
            } => {
                let info = self.field_info(&field.value, field.range);
                let items: Vec<Expr> = values
                    .iter()
                    .map(|value| {
                        Expr::Predicate(search_value_predicate(&info, value, "IN", *range))
                    })
                    .collect();
                or_of(items)
            }
            // `search *` matches every event.
            SearchNode::Keyword(word) if word.value.bytes().all(|b| b == b'*') => None,
            SearchNode::Keyword(word) => Some(Expr::Predicate(Predicate {
                field: None,
                op: Op::Match,
                value: Some(Value {
                    written: word.written().to_owned(),
                    normalized: word.value.to_lowercase(),
                    kind: ValueKind::String,
                    range: word.range,
                }),
                written_op: String::new(),
                case_sensitive: false,
                transforms: Vec::new(),
                context: PredicateContext::Source,
                range: word.range,
            })),
            SearchNode::Macro { name, range } => {
                (!is_filter_macro_name(name)).then(|| opaque(*range, &format!("macro `{name}`")))
            }
            SearchNode::Subsearch { range, .. } => Some(opaque(*range, "subsearch")),
            SearchNode::Invalid(range) => Some(opaque(*range, "syntax error")),
        }
    }

    fn search_compare(
        &self,
        field: &Word,
        op: CompareOp,
        value: &Word,
        range: TextRange,
    ) -> Option<Expr> {
        let lower_name = field.value.to_ascii_lowercase();
        if TIME_MODIFIERS.contains(&lower_name.as_str()) {
            return None;
        }
        let info = self.field_info(&field.value, field.range);
        match op {
            CompareOp::Eq => Some(Expr::Predicate(search_value_predicate(
                &info, value, "=", range,
            ))),
            CompareOp::Ne => Some(Expr::Not(Box::new(Expr::Predicate(
                search_value_predicate(&info, value, "!=", range),
            )))),
            CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
                let op_ir = match op {
                    CompareOp::Lt => Op::Lt,
                    CompareOp::Le => Op::Le,
                    CompareOp::Gt => Op::Gt,
                    _ => Op::Ge,
                };
                let kind = if is_number(&value.value) {
                    ValueKind::Number
                } else {
                    ValueKind::String
                };
                Some(Expr::Predicate(Predicate {
                    field: Some(info.field),
                    op: op_ir,
                    value: Some(Value {
                        written: value.written().to_owned(),
                        normalized: value.value.to_lowercase(),
                        kind,
                        range: value.range,
                    }),
                    written_op: op.text().to_owned(),
                    case_sensitive: false,
                    transforms: Vec::new(),
                    context: info.context,
                    range,
                }))
            }
        }
    }

    // ----- eval expressions -----

    fn eval(&self, node: &EvalNode) -> Option<Expr> {
        match node {
            EvalNode::Logical {
                op: BinaryOp::And,
                operands,
                ..
            } => and_of(
                operands
                    .iter()
                    .filter_map(|operand| self.eval(operand))
                    .collect(),
            ),
            EvalNode::Logical {
                op: BinaryOp::Or,
                operands,
                range,
            } => {
                let lowered: Option<Vec<Expr>> =
                    operands.iter().map(|operand| self.eval(operand)).collect();
                match lowered {
                    Some(items) => or_of(items),
                    // An `OR` with an operand lowering cannot read could match anything.
                    None => Some(opaque(*range, "expression")),
                }
            }
            EvalNode::Logical { range, .. } => Some(opaque(*range, "expression")),
            EvalNode::Not { inner, .. } => self.eval(inner).map(|inner| Expr::Not(Box::new(inner))),
            EvalNode::Binary {
                op,
                left,
                right,
                range,
            } => Some(
                self.eval_comparison(*op, left, right, *range)
                    .unwrap_or_else(|| opaque(*range, "expression")),
            ),
            EvalNode::Call {
                name,
                arguments,
                range,
            } => Some(
                self.eval_call(name, arguments, *range)
                    .unwrap_or_else(|| opaque(*range, &format!("{name}()"))),
            ),
            EvalNode::In { value, list, range } => Some(
                self.eval_in(value, list, "IN", *range)
                    .unwrap_or_else(|| opaque(*range, "expression")),
            ),
            EvalNode::Macro { name, range } => {
                (!is_filter_macro_name(name)).then(|| opaque(*range, &format!("macro `{name}`")))
            }
            EvalNode::Subsearch { range, .. } => Some(opaque(*range, "subsearch")),
            EvalNode::Invalid(range) => Some(opaque(*range, "syntax error")),
            EvalNode::Field { range, .. }
            | EvalNode::String { range, .. }
            | EvalNode::Number { range, .. }
            | EvalNode::Negate { range, .. } => Some(opaque(*range, "expression")),
        }
    }

    /// Returns the field an eval operand refers to, and whether `lower()`/`upper()` made the
    /// comparison case-insensitive.
    fn eval_field<'n>(&self, node: &'n EvalNode) -> Option<(&'n str, TextRange, bool)> {
        match node {
            EvalNode::Field { name, range } => Some((name, *range, false)),
            EvalNode::Call {
                name, arguments, ..
            } if (name == "lower" || name == "upper") && arguments.len() == 1 => {
                let (field, range, _) = self.eval_field(arguments.first()?)?;
                Some((field, range, true))
            }
            _ => None,
        }
    }

    fn eval_comparison(
        &self,
        op: BinaryOp,
        left: &EvalNode,
        right: &EvalNode,
        range: TextRange,
    ) -> Option<Expr> {
        let (field_node, literal_node, swapped) = match (self.eval_field(left), literal(right)) {
            (Some(_), Some(_)) => (left, right, false),
            _ => match (literal(left), self.eval_field(right)) {
                (Some(_), Some(_)) => (right, left, true),
                _ => return self.eval_field_comparison(op, left, right, range),
            },
        };
        let (name, field_range, folded) = self.eval_field(field_node)?;
        let (text, kind, value_range) = literal(literal_node)?;
        let info = self.field_info(name, field_range);
        let (ir_op, negated, written_op) = match (op, swapped) {
            (BinaryOp::Eq, _) => (Op::Eq, false, "="),
            (BinaryOp::Ne, _) => (Op::Eq, true, "!="),
            (BinaryOp::Lt, false) | (BinaryOp::Gt, true) => (Op::Lt, false, "<"),
            (BinaryOp::Le, false) | (BinaryOp::Ge, true) => (Op::Le, false, "<="),
            (BinaryOp::Gt, false) | (BinaryOp::Lt, true) => (Op::Gt, false, ">"),
            (BinaryOp::Ge, false) | (BinaryOp::Le, true) => (Op::Ge, false, ">="),
            (BinaryOp::Like, false) => {
                let predicate = like_predicate(info, text, value_range, "LIKE", folded, range);
                return Some(Expr::Predicate(predicate));
            }
            _ => return None,
        };
        let literal = (text, kind, value_range);
        let predicate = literal_predicate(info, ir_op, literal, written_op, folded, range);
        let expr = Expr::Predicate(predicate);
        Some(if negated {
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    /// `where a = b` with two fields compares them; the value is a field reference.
    fn eval_field_comparison(
        &self,
        op: BinaryOp,
        left: &EvalNode,
        right: &EvalNode,
        range: TextRange,
    ) -> Option<Expr> {
        let (name, field_range, _) = self.eval_field(left)?;
        let (other, other_range, _) = self.eval_field(right)?;
        let negated = match op {
            BinaryOp::Eq => false,
            BinaryOp::Ne => true,
            _ => return None,
        };
        let info = self.field_info(name, field_range);
        let expr = Expr::Predicate(Predicate {
            field: Some(info.field),
            op: Op::Eq,
            value: Some(Value {
                written: other.to_owned(),
                normalized: other.to_owned(),
                kind: ValueKind::FieldRef,
                range: other_range,
            }),
            written_op: if negated { "!=" } else { "=" }.to_owned(),
            case_sensitive: true,
            transforms: Vec::new(),
            context: info.context,
            range,
        });
        Some(if negated {
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    fn eval_call(&self, name: &str, arguments: &[EvalNode], range: TextRange) -> Option<Expr> {
        match name {
            "like" => {
                let (field, field_range, folded) = self.eval_field(arguments.first()?)?;
                let (pattern, _, pattern_range) = literal(arguments.get(1)?)?;
                let info = self.field_info(field, field_range);
                let predicate = like_predicate(info, pattern, pattern_range, "like", folded, range);
                Some(Expr::Predicate(predicate))
            }
            "match" => {
                let (field, field_range, folded) = self.eval_field(arguments.first()?)?;
                let (pattern, _, pattern_range) = literal(arguments.get(1)?)?;
                let info = self.field_info(field, field_range);
                let case_insensitive = folded || pattern.starts_with("(?i)");
                Some(Expr::Predicate(Predicate {
                    field: Some(info.field),
                    op: Op::RegexMatch,
                    value: Some(Value {
                        written: pattern.to_owned(),
                        normalized: pattern.to_owned(),
                        kind: ValueKind::Regex,
                        range: pattern_range,
                    }),
                    written_op: "match".to_owned(),
                    case_sensitive: !case_insensitive,
                    transforms: Vec::new(),
                    context: info.context,
                    range,
                }))
            }
            "cidrmatch" => {
                let (cidr, _, cidr_range) = literal(arguments.first()?)?;
                let (field, field_range, _) = self.eval_field(arguments.get(1)?)?;
                let info = self.field_info(field, field_range);
                Some(Expr::Predicate(Predicate {
                    field: Some(info.field),
                    op: Op::CidrMatch,
                    value: Some(Value {
                        written: cidr.to_owned(),
                        normalized: cidr.to_lowercase(),
                        kind: ValueKind::Cidr,
                        range: cidr_range,
                    }),
                    written_op: "cidrmatch".to_owned(),
                    case_sensitive: false,
                    transforms: Vec::new(),
                    context: info.context,
                    range,
                }))
            }
            "isnull" | "isnotnull" => {
                let (field, field_range, _) = self.eval_field(arguments.first()?)?;
                let info = self.field_info(field, field_range);
                Some(Expr::Predicate(Predicate {
                    field: Some(info.field),
                    op: if name == "isnull" {
                        Op::IsNull
                    } else {
                        Op::IsNotNull
                    },
                    value: None,
                    written_op: name.to_owned(),
                    case_sensitive: false,
                    transforms: Vec::new(),
                    context: info.context,
                    range,
                }))
            }
            "in" => {
                let (value, list) = arguments.split_first()?;
                self.eval_in(value, list, "in", range)
            }
            _ => None,
        }
    }

    fn eval_in(
        &self,
        value: &EvalNode,
        list: &[EvalNode],
        written_op: &str,
        range: TextRange,
    ) -> Option<Expr> {
        let (field, field_range, folded) = self.eval_field(value)?;
        let mut items = Vec::new();
        for item in list {
            let (text, kind, value_range) = literal(item)?;
            let info = self.field_info(field, field_range);
            let literal = (text, kind, value_range);
            let predicate = literal_predicate(info, Op::Eq, literal, written_op, folded, range);
            items.push(Expr::Predicate(predicate));
        }
        or_of(items)
    }
}

/// Returns the text, kind and range of a string or number literal.
fn literal(node: &EvalNode) -> Option<(&str, ValueKind, TextRange)> {
    match node {
        EvalNode::String { value, range } => Some((value, ValueKind::String, *range)),
        EvalNode::Number { text, range } => Some((text, ValueKind::Number, *range)),
        _ => None,
    }
}

/// Builds the predicate of an eval comparison with a literal. Eval comparisons are case-sensitive
/// unless the field went through `lower()` or `upper()` (`folded`).
fn literal_predicate(
    info: FieldInfo,
    op: Op,
    (text, kind, value_range): (&str, ValueKind, TextRange),
    written_op: &str,
    folded: bool,
    range: TextRange,
) -> Predicate {
    Predicate {
        field: Some(info.field),
        op,
        value: Some(Value {
            written: text.to_owned(),
            normalized: if folded {
                text.to_lowercase()
            } else {
                text.to_owned()
            },
            kind,
            range: value_range,
        }),
        written_op: written_op.to_owned(),
        // Case only matters for text: a number compares the same either way.
        case_sensitive: !folded && kind == ValueKind::String,
        transforms: Vec::new(),
        context: info.context,
        range,
    }
}

fn opaque(range: TextRange, reason: &str) -> Expr {
    Expr::Opaque(Opaque {
        range,
        reason: reason.to_owned(),
    })
}

fn and_of(mut items: Vec<Expr>) -> Option<Expr> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => {
            let mut flat = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Expr::And(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            Some(Expr::And(flat))
        }
    }
}

fn or_of(mut items: Vec<Expr>) -> Option<Expr> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => {
            let mut flat = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Expr::Or(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            Some(Expr::Or(flat))
        }
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.parse::<f64>().is_ok()
}

/// Returns whether `text` is an IPv4 or IPv6 network in CIDR notation.
pub(crate) fn is_cidr(text: &str) -> bool {
    let Some((address, prefix)) = text.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

/// Builds the predicate of `field=value` in a search: wildcards at the ends become the operator,
/// `field=*` tests that the field exists, and a CIDR value matches the network. Search
/// comparisons are case-insensitive.
fn search_value_predicate(
    info: &FieldInfo,
    value: &Word,
    written_op: &str,
    range: TextRange,
) -> Predicate {
    let text = value.value.as_str();
    let (op, normalized, kind) = if text == "*" {
        (Op::IsNotNull, String::new(), ValueKind::String)
    } else if is_cidr(text) {
        (Op::CidrMatch, text.to_lowercase(), ValueKind::Cidr)
    } else {
        let (op, core) = wildcard_op(text, '*', '?');
        let kind = if op == Op::Eq && is_number(core) {
            ValueKind::Number
        } else {
            ValueKind::String
        };
        (op, core.to_lowercase(), kind)
    };
    let value = (op != Op::IsNotNull).then(|| Value {
        written: value.written().to_owned(),
        normalized,
        kind,
        range: value.range,
    });
    Predicate {
        field: Some(info.field.clone()),
        op,
        value,
        written_op: written_op.to_owned(),
        case_sensitive: false,
        transforms: Vec::new(),
        context: info.context,
        range,
    }
}

/// Classifies a pattern with `many` and `one` wildcards: `*x*` is contains, `x*` starts with,
/// `*x` ends with, no wildcard is equality, anything else a glob. Returns the operator and the
/// value without the wildcards that became the operator.
fn wildcard_op(text: &str, many: char, one: char) -> (Op, &str) {
    let has_wildcard = |s: &str| s.contains(many) || s.contains(one);
    if !has_wildcard(text) {
        return (Op::Eq, text);
    }
    let leading = text.starts_with(many);
    let trailing = text.len() > 1 && text.ends_with(many);
    let start = usize::from(leading);
    let end = text.len() - usize::from(trailing);
    let core = text.get(start..end.max(start)).unwrap_or_default();
    if core.is_empty() || has_wildcard(core) {
        return (Op::Wildcard, text);
    }
    let op = match (leading, trailing) {
        (true, true) => Op::Contains,
        (false, true) => Op::StartsWith,
        (true, false) => Op::EndsWith,
        (false, false) => Op::Eq,
    };
    (op, core)
}

/// Builds the predicate of `like(field, pattern)`: `%` and `_` are the wildcards.
fn like_predicate(
    info: FieldInfo,
    pattern: &str,
    pattern_range: TextRange,
    written_op: &str,
    folded: bool,
    range: TextRange,
) -> Predicate {
    let (op, core) = wildcard_op(pattern, '%', '_');
    let normalized = if op == Op::Wildcard {
        core.replace('%', "*").replace('_', "?")
    } else {
        core.to_owned()
    };
    Predicate {
        field: Some(info.field),
        op,
        value: Some(Value {
            written: pattern.to_owned(),
            normalized: if folded {
                normalized.to_lowercase()
            } else {
                normalized
            },
            kind: ValueKind::String,
            range: pattern_range,
        }),
        written_op: written_op.to_owned(),
        case_sensitive: !folded,
        transforms: Vec::new(),
        context: info.context,
        range,
    }
}

/// Collects the data-source selectors of `expr`; returns whether `expr` contains nothing else.
fn collect_data_sources(expr: &Expr, found: &mut Vec<DataSource>) -> bool {
    match expr {
        Expr::Or(items) | Expr::And(items) => {
            let mut all = true;
            for item in items {
                all &= collect_data_sources(item, found);
            }
            all
        }
        Expr::Predicate(predicate) => {
            let Some(field) = &predicate.field else {
                return false;
            };
            // Field names are case-sensitive: `eventType` is an Okta field, not `eventtype`.
            let name = field.name.as_str();
            if !DATA_SOURCE_FIELDS.contains(&name) || predicate.op == Op::IsNotNull {
                return false;
            }
            let kind = match name {
                "index" => Some(DataSourceKind::SplunkIndex),
                "sourcetype" => Some(DataSourceKind::Sourcetype),
                "source" => Some(DataSourceKind::Source),
                // FIXME: `eventtype=` selects data too, but the IR has no kind for it yet, so
                // it is dropped with its conjunct and recorded nowhere.
                _ => None,
            };
            if let (Some(kind), Some(value)) = (kind, &predicate.value) {
                found.push(DataSource {
                    kind,
                    value: value.written.clone(),
                    range: predicate.range,
                });
            }
            true
        }
        Expr::Not(_) | Expr::Opaque(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_positions_choose_operator() {
        assert_eq!(wildcard_op("*a*", '*', '?'), (Op::Contains, "a"));
        assert_eq!(wildcard_op("a*", '*', '?'), (Op::StartsWith, "a"));
        assert_eq!(wildcard_op("*a", '*', '?'), (Op::EndsWith, "a"));
        assert_eq!(wildcard_op("a", '*', '?'), (Op::Eq, "a"));
        assert_eq!(wildcard_op("a*b", '*', '?'), (Op::Wildcard, "a*b"));
        assert_eq!(wildcard_op("**", '*', '?'), (Op::Wildcard, "**"));
        assert_eq!(wildcard_op("%a_b%", '%', '_'), (Op::Wildcard, "%a_b%"));
    }

    #[test]
    fn cidr_values_are_recognised() {
        assert!(is_cidr("10.0.0.0/8"));
        assert!(is_cidr("fe80::/10"));
        assert!(!is_cidr("10.0.0.0/33"));
        assert!(!is_cidr("C:/Windows"));
    }
}

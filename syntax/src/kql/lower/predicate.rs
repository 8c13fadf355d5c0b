//! Lowering `where` conditions to predicates, following the operator mapping in the module
//! documentation of [`crate::kql`]. Values bound by `let` (scalars, `dynamic([...])` lists,
//! `pack_array(...)`) are resolved into the predicate, keeping the range of the literal in the
//! `let` statement.

use super::{conjunction, opaque, Binding, Flow, Lowerer};
use crate::ir::{Expr, Field, Op, Predicate, PredicateContext, TextRange, Value, ValueKind};
use crate::kql::ast::*;

/// The private IPv4 ranges `ipv4_is_private()` tests, as listed on its reference page
/// (learn.microsoft.com, `kusto/query/ipv4-is-private-function`).
const PRIVATE_IPV4_RANGES: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// Columns that hold the event time: a comparison of one of them with anything but a literal
/// is a time-window filter.
const TIME_COLUMNS: &[&str] = &[
    "TimeGenerated",
    "Timestamp",
    "timestamp",
    "EventTime",
    "TimeCreated",
    "_TimeReceived",
    "StartTime",
    "EndTime",
    "CreatedDateTime",
    "EventEndTime",
    "EventStartTime",
];

/// Functions whose value is a point in time.
const TIME_FUNCTIONS: &[&str] = &[
    "ago",
    "now",
    "datetime_add",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "endofyear",
    "todatetime",
    "make_datetime",
    "unixtime_seconds_todatetime",
    "unixtime_milliseconds_todatetime",
];

/// Conversions that leave the column they read recognisable: `tostring(Field)` tests `Field`.
const TRANSPARENT_FUNCTIONS: &[&str] = &[
    "tostring",
    "tolower",
    "toupper",
    "toint",
    "tolong",
    "todouble",
    "toreal",
    "tobool",
    "todynamic",
    "parse_json",
    "todecimal",
    "trim",
];

/// The boolean combination of a list of values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Single,
    AnyOf,
    AllOf,
    Between,
}

/// A KQL comparison operator in IR terms.
#[derive(Clone, Copy, Debug)]
struct OperatorSpec {
    op: Op,
    case_sensitive: bool,
    negated: bool,
    shape: Shape,
}

/// The result of resolving a value expression.
enum Resolved<'q> {
    /// Literal expressions, after following `let` names and lists.
    Values(Vec<&'q Expression>),
    /// A point in time (`ago(1d)`, `datetime(...)`).
    Time,
    /// A subquery or a tabular `let`.
    Tabular,
    /// A column, a computed expression or something not resolvable here.
    Unknown,
}

fn operator_spec(written: &str) -> Option<OperatorSpec> {
    let (negated, positive) = match written {
        "!=" => (true, "=="),
        "!~" => (true, "=~"),
        "notcontains" => (true, "contains"),
        "notcontainscs" => (true, "contains_cs"),
        "notbetween" => (true, "between"),
        other => match other.strip_prefix('!') {
            Some(positive) => (true, positive),
            None => (false, other),
        },
    };
    let spec = |op, case_sensitive, shape| {
        Some(OperatorSpec {
            op,
            case_sensitive,
            negated,
            shape,
        })
    };
    match positive {
        "==" => spec(Op::Eq, true, Shape::Single),
        "=~" => spec(Op::Eq, false, Shape::Single),
        "<" => spec(Op::Lt, true, Shape::Single),
        "<=" => spec(Op::Le, true, Shape::Single),
        ">" => spec(Op::Gt, true, Shape::Single),
        ">=" => spec(Op::Ge, true, Shape::Single),
        "has" | "contains" => spec(Op::Contains, false, Shape::Single),
        "has_cs" | "contains_cs" | "containscs" => spec(Op::Contains, true, Shape::Single),
        "hasprefix" | "startswith" => spec(Op::StartsWith, false, Shape::Single),
        "hasprefix_cs" | "startswith_cs" => spec(Op::StartsWith, true, Shape::Single),
        "hassuffix" | "endswith" => spec(Op::EndsWith, false, Shape::Single),
        "hassuffix_cs" | "endswith_cs" => spec(Op::EndsWith, true, Shape::Single),
        "matches regex" => spec(Op::RegexMatch, true, Shape::Single),
        "in" => spec(Op::Eq, true, Shape::AnyOf),
        "in~" => spec(Op::Eq, false, Shape::AnyOf),
        "has_any" => spec(Op::Contains, false, Shape::AnyOf),
        "has_all" => spec(Op::Contains, false, Shape::AllOf),
        "between" => spec(Op::Ge, true, Shape::Between),
        _ => None,
    }
}

impl<'q> Lowerer<'q> {
    /// Lowers a boolean condition. `None` means there is nothing to lower, such as a missing
    /// operand after a syntax error.
    pub(super) fn condition(&mut self, expression: &'q Expression, flow: &Flow) -> Option<Expr> {
        match &expression.kind {
            ExpressionKind::Logical {
                operator: LogicalOperator::And,
                operands,
            } => conjunction(
                operands
                    .iter()
                    .filter_map(|operand| self.condition(operand, flow))
                    .collect(),
            ),
            ExpressionKind::Logical {
                operator: LogicalOperator::Or,
                operands,
            } => {
                let branches = operands
                    .iter()
                    .map(|operand| {
                        self.condition(operand, flow).unwrap_or_else(|| {
                            opaque_expr(operand.range, "filter that does not test a column")
                        })
                    })
                    .collect();
                Some(Expr::Or(branches))
            }
            ExpressionKind::Call {
                function,
                arguments,
            } => self.call_condition(expression, function, arguments, flow),
            ExpressionKind::Binary {
                operators,
                operands,
            } if operators.len() == 1 && operands.len() == 2 => {
                self.comparison(expression, &operators[0], &operands[0], &operands[1], flow)
            }
            ExpressionKind::Literal(Literal::String(text)) => {
                Some(Expr::Predicate(full_text(text, "search", expression.range)))
            }
            ExpressionKind::Missing => None,
            _ => opaque(expression.range, "expression"),
        }
    }

    fn call_condition(
        &mut self,
        call: &'q Expression,
        function: &Name,
        arguments: &'q [Expression],
        flow: &Flow,
    ) -> Option<Expr> {
        let name = function.text.as_str();
        let field_argument = arguments.first().and_then(field_of);
        let context = |field: &Option<Field>| {
            field
                .as_ref()
                .map_or(PredicateContext::Source, |f| context_of(&f.name, flow))
        };
        match (name, field_argument) {
            ("not", _) => {
                let inner = arguments.first()?;
                self.condition(inner, flow)
                    .map(|expr| Expr::Not(Box::new(expr)))
            }
            (
                "isempty" | "isnull" | "isnotempty" | "isnotnull" | "notempty" | "notnull",
                Some(field),
            ) => {
                let op = if name.starts_with("isnot") || name.starts_with("not") {
                    Op::IsNotNull
                } else {
                    Op::IsNull
                };
                let field = Some(field);
                Some(Expr::Predicate(Predicate {
                    context: context(&field),
                    field,
                    op,
                    value: None,
                    written_op: name.to_owned(),
                    case_sensitive: false,
                    transforms: Vec::new(),
                    range: call.range,
                }))
            }
            ("ipv4_is_private", Some(field)) => {
                let field = Some(field);
                let branches = PRIVATE_IPV4_RANGES
                    .iter()
                    .map(|network| {
                        Expr::Predicate(Predicate {
                            context: context(&field),
                            field: field.clone(),
                            op: Op::CidrMatch,
                            value: Some(Value {
                                written: (*network).to_owned(),
                                normalized: (*network).to_owned(),
                                kind: ValueKind::Cidr,
                                range: function.range,
                            }),
                            written_op: name.to_owned(),
                            case_sensitive: false,
                            transforms: Vec::new(),
                            range: call.range,
                        })
                    })
                    .collect();
                Some(Expr::Or(branches))
            }
            (
                "ipv4_is_in_range"
                | "ipv4_is_match"
                | "ipv4_is_in_any_range"
                | "ipv6_is_in_range"
                | "ipv6_is_in_any_range"
                | "has_ipv4"
                | "has_any_ipv4"
                | "has_ipv4_prefix"
                | "has_any_ipv4_prefix",
                Some(field),
            ) => {
                let rest = arguments.iter().skip(1).collect();
                self.ipv4_condition(call, name, field, rest, flow)
            }
            // `ipv4_is_match("127.0.0.1", ClientIP)`: the arguments are symmetric.
            ("ipv4_is_match", None) => {
                let field = arguments.get(1).and_then(field_of)?;
                let mut rest: Vec<&Expression> = arguments.iter().skip(2).collect();
                rest.insert(0, arguments.first()?);
                self.ipv4_condition(call, name, field, rest, flow)
            }
            _ => opaque(call.range, &format!("function `{name}`")),
        }
    }

    fn ipv4_condition(
        &mut self,
        call: &'q Expression,
        name: &str,
        field: Field,
        value_arguments: Vec<&'q Expression>,
        flow: &Flow,
    ) -> Option<Expr> {
        let (op, shape) = match name {
            "ipv4_is_in_range" | "ipv4_is_match" | "ipv6_is_in_range" => {
                (Op::CidrMatch, Shape::Single)
            }
            "ipv4_is_in_any_range" | "ipv6_is_in_any_range" => (Op::CidrMatch, Shape::AnyOf),
            "has_ipv4" | "has_ipv4_prefix" => (Op::Contains, Shape::Single),
            _ => (Op::Contains, Shape::AnyOf),
        };
        let mut values = Vec::new();
        for argument in value_arguments {
            match self.resolve(argument, 0) {
                Resolved::Values(found) => values.extend(found),
                _ => return opaque(call.range, &format!("function `{name}`")),
            }
        }
        // `ipv4_is_match(ip, "10.0.0.0", 8)`: the third argument is a prefix length.
        let prefix_length = if name == "ipv4_is_match" && values.len() == 2 {
            values.pop().map(literal_text)
        } else {
            None
        };
        if values.is_empty() || (shape == Shape::Single && values.len() != 1) {
            return opaque(call.range, &format!("function `{name}`"));
        }
        let context = context_of(&field.name, flow);
        let predicates: Vec<Expr> = values
            .into_iter()
            .map(|value| {
                let mut written = literal_text(value);
                if let Some(bits) = &prefix_length {
                    written = format!("{written}/{bits}");
                }
                Expr::Predicate(Predicate {
                    field: Some(field.clone()),
                    op,
                    value: Some(Value {
                        normalized: written.to_lowercase(),
                        written,
                        kind: ValueKind::Cidr,
                        range: value.range,
                    }),
                    written_op: name.to_owned(),
                    case_sensitive: false,
                    transforms: Vec::new(),
                    context,
                    range: call.range,
                })
            })
            .collect();
        Some(combine(predicates, shape))
    }

    fn comparison(
        &mut self,
        expression: &'q Expression,
        operator: &Name,
        left: &'q Expression,
        right: &'q Expression,
        flow: &Flow,
    ) -> Option<Expr> {
        let Some(spec) = operator_spec(&operator.text) else {
            return opaque(expression.range, &format!("operator `{}`", operator.text));
        };

        if let Some(lowered) = self.boolean_comparison(spec, left, right, flow) {
            return lowered;
        }

        let (field_side, value_side) = match field_of(left) {
            Some(_) => (left, right),
            None if spec.shape == Shape::Single
                && matches!(spec.op, Op::Eq)
                && matches!(left.kind, ExpressionKind::Literal(_)) =>
            {
                (right, left)
            }
            None => (left, right),
        };

        if matches!(field_side.kind, ExpressionKind::Star) {
            return self.full_text_comparison(expression, operator, spec, value_side);
        }

        let Some(field) = field_of(field_side) else {
            return Some(negate_if(
                spec.negated,
                opaque_expr(expression.range, "comparison of a computed expression"),
            ));
        };

        let is_time_column = TIME_COLUMNS.contains(&field.name.as_str());
        let values = if spec.shape == Shape::Between {
            self.between_values(value_side)
        } else {
            self.resolve(value_side, 0)
        };
        let values = match values {
            Resolved::Time => {
                return Some(self.time_window(expression, operator, spec, field, value_side))
            }
            Resolved::Values(values)
                if !(is_time_column && values.iter().any(|v| is_time_literal(v))) =>
            {
                values
            }
            Resolved::Values(_) => {
                return Some(self.time_window(expression, operator, spec, field, value_side))
            }
            Resolved::Tabular => {
                let context = context_of(&field.name, flow);
                let lowered = match self.external_list(value_side, 0) {
                    Some(list) => Expr::Predicate(external_list_predicate(
                        field,
                        spec,
                        (self.written_text(value_side.range), list),
                        value_side.range,
                        &operator.text,
                        expression.range,
                        context,
                    )),
                    None => opaque_expr(value_side.range, "set membership against a subquery"),
                };
                return Some(negate_if(spec.negated, lowered));
            }
            Resolved::Unknown if is_time_column => {
                return Some(self.time_window(expression, operator, spec, field, value_side))
            }
            Resolved::Unknown => {
                return Some(negate_if(
                    spec.negated,
                    opaque_expr(expression.range, "comparison with a column or expression"),
                ));
            }
        };

        if values.is_empty()
            || (spec.shape == Shape::Single && values.len() != 1)
            || (spec.shape == Shape::Between && values.len() != 2)
        {
            return Some(negate_if(
                spec.negated,
                opaque_expr(expression.range, "list of values"),
            ));
        }

        let context = context_of(&field.name, flow);
        let build = |op: Op, value: &Expression| {
            Expr::Predicate(make_predicate(
                Some(field.clone()),
                op,
                spec.case_sensitive,
                value,
                &operator.text,
                expression.range,
                context,
            ))
        };

        let lowered = match spec.shape {
            Shape::Between => match values.as_slice() {
                [low, high] => Expr::And(vec![build(Op::Ge, low), build(Op::Le, high)]),
                _ => opaque_expr(expression.range, "list of values"),
            },
            shape => combine(
                values.into_iter().map(|v| build(spec.op, v)).collect(),
                shape,
            ),
        };
        Some(negate_if(spec.negated, lowered))
    }

    /// Lowers `condition == true`, `ipv4_is_private(ip) == false` or `condition != false` to
    /// the condition, negated when the comparison expects it to be false. Returns `None` when
    /// neither side is a boolean literal.
    fn boolean_comparison(
        &mut self,
        spec: OperatorSpec,
        left: &'q Expression,
        right: &'q Expression,
        flow: &Flow,
    ) -> Option<Option<Expr>> {
        if spec.op != Op::Eq || spec.shape != Shape::Single {
            return None;
        }
        let (condition, expected) = match (&left.kind, &right.kind) {
            (_, ExpressionKind::Literal(Literal::Bool(value))) => (left, *value),
            (ExpressionKind::Literal(Literal::Bool(value)), _) => (right, *value),
            _ => return None,
        };
        if !matches!(condition.kind, ExpressionKind::Call { .. }) {
            return None;
        }
        let lowered = self.condition(condition, flow)?;
        Some(Some(negate_if(expected == spec.negated, lowered)))
    }

    /// Lowers a comparison that bounds the time searched, kept with
    /// [`PredicateContext::TimeWindow`] and its value as written (`ago(1d)`).
    fn time_window(
        &self,
        expression: &'q Expression,
        operator: &Name,
        spec: OperatorSpec,
        field: Field,
        value_side: &'q Expression,
    ) -> Expr {
        let predicate = |op: Op, value: &Expression| {
            let written = self.written_text(value.range);
            Expr::Predicate(Predicate {
                field: Some(field.clone()),
                op,
                value: Some(Value {
                    normalized: written.clone(),
                    written,
                    kind: ValueKind::String,
                    range: value.range,
                }),
                written_op: operator.text.clone(),
                case_sensitive: true,
                transforms: Vec::new(),
                context: PredicateContext::TimeWindow,
                range: expression.range,
            })
        };
        let lowered = match (&value_side.kind, spec.shape) {
            (ExpressionKind::Range { low, high }, Shape::Between) => {
                Expr::And(vec![predicate(Op::Ge, low), predicate(Op::Le, high)])
            }
            _ => predicate(spec.op, value_side),
        };
        negate_if(spec.negated, lowered)
    }

    /// `* has "x"`: a full-text match on every column.
    fn full_text_comparison(
        &mut self,
        expression: &'q Expression,
        operator: &Name,
        spec: OperatorSpec,
        value_side: &'q Expression,
    ) -> Option<Expr> {
        let Resolved::Values(values) = self.resolve(value_side, 0) else {
            return opaque(expression.range, "full-text search");
        };
        let predicates: Vec<Expr> = values
            .into_iter()
            .map(|value| {
                let mut predicate =
                    full_text(&literal_text(value), &operator.text, expression.range);
                if let Some(lowered) = predicate.value.as_mut() {
                    lowered.range = value.range;
                }
                Expr::Predicate(predicate)
            })
            .collect();
        Some(negate_if(spec.negated, combine(predicates, spec.shape)))
    }

    /// A filtering parameter of an ASIM parser function, such as
    /// `_Im_Dns(domain_has_any = list)`. The field is the parameter name without its
    /// operator suffix, as written; the time-window parameters and the `disabled` and `pack`
    /// switches are skipped. A value that cannot be resolved to literals (a list read from a
    /// watchlist, say) is opaque, because the parser still filters on it.
    pub(super) fn parser_filter(&self, name: &Name, value: &'q Expression) -> Option<Expr> {
        let parameter = name.text.as_str();
        if parameter.ends_with("time")
            || parameter.starts_with("time")
            || matches!(parameter, "disabled" | "pack")
        {
            return None;
        }
        let (stem, op, shape) = if let Some(stem) = parameter.strip_suffix("_has_any_prefix") {
            (stem, Op::StartsWith, Shape::AnyOf)
        } else if let Some(stem) = parameter.strip_suffix("_has_any") {
            (stem, Op::Contains, Shape::AnyOf)
        } else if let Some(stem) = parameter.strip_suffix("_has_all") {
            (stem, Op::Contains, Shape::AllOf)
        } else {
            (parameter, Op::Eq, Shape::AnyOf)
        };
        let values = match self.resolve(value, 0) {
            Resolved::Values(values) => values,
            Resolved::Time => return None,
            Resolved::Tabular | Resolved::Unknown => {
                return Some(opaque_expr(
                    value.range,
                    "parser filter on a value not known here",
                ));
            }
        };
        if values.is_empty() {
            return None;
        }
        let field = Field {
            name: stem.to_owned(),
            range: name.range,
            data_model: None,
        };
        let predicates = values
            .into_iter()
            .map(|value| {
                Expr::Predicate(make_predicate(
                    Some(field.clone()),
                    op,
                    false,
                    value,
                    parameter,
                    name.range,
                    PredicateContext::Source,
                ))
            })
            .collect();
        Some(combine(predicates, shape))
    }

    fn between_values(&mut self, range: &'q Expression) -> Resolved<'q> {
        let ExpressionKind::Range { low, high } = &range.kind else {
            return Resolved::Unknown;
        };
        match (self.resolve(low, 0), self.resolve(high, 0)) {
            (Resolved::Time, _) | (_, Resolved::Time) => Resolved::Time,
            (Resolved::Values(mut low), Resolved::Values(high))
                if low.len() == 1 && high.len() == 1 =>
            {
                low.extend(high);
                Resolved::Values(low)
            }
            _ => Resolved::Unknown,
        }
    }

    /// Names the list a subquery reads when its rows come from outside the rule: an
    /// `externaldata` download or a Sentinel watchlist (`_GetWatchlist('name')`). Returns
    /// `None` for subqueries over the rule's own tables, such as a baseline of known values.
    fn external_list(&self, expression: &'q Expression, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let pipeline = match &expression.kind {
            ExpressionKind::Name(name) => match self.lookup(name)? {
                Binding::Let(LetValue::Expression(pipeline)) => pipeline,
                _ => return None,
            },
            ExpressionKind::Pipeline(pipeline) => pipeline,
            ExpressionKind::Call {
                function,
                arguments,
            } => {
                return match function.text.as_str() {
                    "_GetWatchlist" => match arguments.first().map(|a| &a.kind) {
                        Some(ExpressionKind::Literal(Literal::String(name))) => {
                            Some(format!("watchlist:{name}"))
                        }
                        _ => Some("watchlist".to_owned()),
                    },
                    "materialize" | "toscalar" => self.external_list(arguments.first()?, depth + 1),
                    _ => None,
                };
            }
            _ => return None,
        };
        match &pipeline.source {
            Source::Generated { keyword, .. } if keyword.text.starts_with("external") => {
                Some("externaldata".to_owned())
            }
            Source::Expression(source) => self.external_list(source, depth + 1),
            _ => None,
        }
    }

    /// Resolves a value expression through `let` names, lists, `dynamic()` and
    /// `pack_array()` to literals.
    fn resolve(&self, expression: &'q Expression, depth: usize) -> Resolved<'q> {
        if depth > super::MAX_FOLLOW_DEPTH {
            return Resolved::Unknown;
        }
        match &expression.kind {
            ExpressionKind::Literal(Literal::Typed(text)) if text.starts_with("datetime") => {
                Resolved::Time
            }
            ExpressionKind::Literal(_) => Resolved::Values(vec![expression]),
            ExpressionKind::Name(name) => match self.lookup(name) {
                Some(Binding::Let(LetValue::Expression(pipeline))) => match &pipeline.source {
                    Source::Expression(value) if pipeline.operators.is_empty() => {
                        self.resolve(value, depth + 1)
                    }
                    _ => Resolved::Tabular,
                },
                Some(Binding::Let(LetValue::Function { .. })) => Resolved::Tabular,
                Some(Binding::Argument(argument)) => self.resolve(argument, depth + 1),
                None => Resolved::Unknown,
            },
            ExpressionKind::NamedArgument { value, .. } => self.resolve(value, depth + 1),
            ExpressionKind::List(items) => self.resolve_all(items, depth),
            ExpressionKind::Call {
                function,
                arguments,
            } => match function.text.as_str() {
                "dynamic" | "pack_array" => self.resolve_all(arguments, depth),
                "toscalar" | "materialize" => Resolved::Tabular,
                name if TIME_FUNCTIONS.contains(&name) => Resolved::Time,
                _ => Resolved::Unknown,
            },
            ExpressionKind::Binary { operands, .. } => {
                let any_time = operands
                    .iter()
                    .any(|operand| matches!(self.resolve(operand, depth + 1), Resolved::Time));
                if any_time {
                    Resolved::Time
                } else {
                    Resolved::Unknown
                }
            }
            ExpressionKind::Pipeline(_) => Resolved::Tabular,
            _ => Resolved::Unknown,
        }
    }

    fn resolve_all(&self, items: &'q [Expression], depth: usize) -> Resolved<'q> {
        let mut values = Vec::new();
        for item in items {
            match self.resolve(item, depth + 1) {
                Resolved::Values(found) => values.extend(found),
                other => return other,
            }
        }
        Resolved::Values(values)
    }
}

/// Returns the column an expression reads: a name, a dotted path into a dynamic column
/// (`AdditionalFields.Name`, `parse_json(X).y`), or either wrapped in a conversion such as
/// `tostring()`.
fn field_of(expression: &Expression) -> Option<Field> {
    let name = field_name(expression, 0)?;
    Some(Field {
        name,
        range: expression.range,
        data_model: None,
    })
}

fn field_name(expression: &Expression, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    match &expression.kind {
        ExpressionKind::Name(name) => Some(name.clone()),
        ExpressionKind::Path { base, steps } => {
            let mut name = field_name(base, depth + 1)?;
            for step in steps {
                match step {
                    PathStep::Member(member) => {
                        name.push('.');
                        name.push_str(&member.text);
                    }
                    PathStep::Index(index) => match &index.kind {
                        ExpressionKind::Literal(Literal::String(key)) => {
                            name.push('.');
                            name.push_str(key);
                        }
                        ExpressionKind::Literal(Literal::Number(number)) => {
                            name.push_str(&format!("[{number}]"));
                        }
                        _ => return None,
                    },
                }
            }
            Some(name)
        }
        ExpressionKind::Call {
            function,
            arguments,
        } => match function.text.as_str() {
            "column_ifexists" => match arguments.first().map(|a| &a.kind) {
                Some(ExpressionKind::Literal(Literal::String(column))) => Some(column.clone()),
                _ => None,
            },
            name if TRANSPARENT_FUNCTIONS.contains(&name) => {
                field_name(arguments.first()?, depth + 1)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Returns where a predicate on `field` applies, given what the pipeline did before it.
fn context_of(field: &str, flow: &Flow) -> PredicateContext {
    let column = field.split(['.', '[']).next().unwrap_or(field);
    if flow.computed.contains(column) {
        PredicateContext::Computed
    } else if flow.aggregated && !flow.group_keys.contains(column) {
        PredicateContext::Threshold
    } else {
        PredicateContext::Source
    }
}

fn is_time_literal(expression: &Expression) -> bool {
    matches!(&expression.kind, ExpressionKind::Literal(Literal::Typed(text)) if text.starts_with("datetime"))
}

/// Returns the text of a literal: a decoded string, or a number, timespan or bool as written.
fn literal_text(expression: &Expression) -> String {
    match &expression.kind {
        ExpressionKind::Literal(Literal::String(text)) => text.clone(),
        ExpressionKind::Literal(
            Literal::Number(text) | Literal::Timespan(text) | Literal::Typed(text),
        ) => text.clone(),
        ExpressionKind::Literal(Literal::Bool(value)) => value.to_string(),
        _ => String::new(),
    }
}

fn make_predicate(
    field: Option<Field>,
    op: Op,
    case_sensitive: bool,
    value: &Expression,
    written_op: &str,
    range: TextRange,
    context: PredicateContext,
) -> Predicate {
    let written = literal_text(value);
    let kind = match (&value.kind, op) {
        (_, Op::RegexMatch) => ValueKind::Regex,
        (ExpressionKind::Literal(Literal::Number(_)), _) => ValueKind::Number,
        (ExpressionKind::Literal(Literal::Bool(_)), _) => ValueKind::Bool,
        _ => ValueKind::String,
    };
    let normalized = if kind == ValueKind::String && !case_sensitive {
        written.to_lowercase()
    } else {
        written.clone()
    };
    Predicate {
        field,
        op,
        value: Some(Value {
            written,
            normalized,
            kind,
            range: value.range,
        }),
        written_op: written_op.to_owned(),
        case_sensitive,
        transforms: Vec::new(),
        context,
        range,
    }
}

/// Builds the membership test of `field` in a list kept outside the rule. The value is a
/// [`ValueKind::Placeholder`]: its written form is the list as the query names it, and its
/// normalized form says where the list comes from (`externaldata`, `watchlist:name`).
fn external_list_predicate(
    field: Field,
    spec: OperatorSpec,
    (written, source): (String, String),
    value_range: TextRange,
    written_op: &str,
    range: TextRange,
    context: PredicateContext,
) -> Predicate {
    Predicate {
        context,
        field: Some(field),
        op: spec.op,
        value: Some(Value {
            written,
            normalized: source,
            kind: ValueKind::Placeholder,
            range: value_range,
        }),
        written_op: written_op.to_owned(),
        case_sensitive: spec.case_sensitive,
        transforms: Vec::new(),
        range,
    }
}

/// Builds a field-less, case-insensitive full-text match.
fn full_text(text: &str, written_op: &str, range: TextRange) -> Predicate {
    Predicate {
        field: None,
        op: Op::Match,
        value: Some(Value {
            written: text.to_owned(),
            normalized: text.to_lowercase(),
            kind: ValueKind::String,
            range,
        }),
        written_op: written_op.to_owned(),
        case_sensitive: false,
        transforms: Vec::new(),
        context: PredicateContext::Source,
        range,
    }
}

fn combine(mut predicates: Vec<Expr>, shape: Shape) -> Expr {
    if predicates.len() == 1 {
        if let Some(only) = predicates.pop() {
            return only;
        }
    }
    match shape {
        Shape::AllOf => Expr::And(predicates),
        _ => Expr::Or(predicates),
    }
}

fn negate_if(negated: bool, expr: Expr) -> Expr {
    if negated {
        Expr::Not(Box::new(expr))
    } else {
        expr
    }
}

fn opaque_expr(range: TextRange, reason: &str) -> Expr {
    Expr::Opaque(crate::ir::Opaque {
        range,
        reason: reason.to_owned(),
    })
}

//! Reading the `rule(event)` function of a Panther Python rule (or `policy(resource)` of a
//! policy) for the conditions it tests.
//!
//! The reader never runs the code. It reads the function body line by line at the body's
//! indentation and models two statement forms:
//!
//! - `if condition: return True|False` (on one line or with the `return` on the next), an
//!   early-return guard;
//! - `return expression`, the final result, after which nothing is read.
//!
//! The rule holds when a `True` guard matches, or when no earlier guard matched and the final
//! expression holds; a `False` guard therefore becomes a negated conjunct, which is how Python
//! rules write their exclusions. Inside conditions, `event.get("f")`, `event.deep_get("a",
//! "b")`, `deep_get(event, "a", "b")` and `event["f"]` name fields; `==`, `!=`, `in`, `not
//! in`, `is None`, `.startswith(...)`, `.endswith(...)`, `.lower()` and `and`/`or`/`not` are
//! lowered. Any other statement that could change the result (a loop, an `else`, a guard with
//! a longer body) makes that part [`Expr::Opaque`].
//!
//! Ranges of the result are byte offsets into the Python text, not the YAML file.

use crate::elastic::expression::{Grammar, Node, Parser};
use crate::elastic::lexer::{tokenize, LexerConfig, Token, TokenKind};
use crate::elastic::lower::{and_of, not_of, or_of, ShiftMap};
use crate::elastic::lower_expression::{FunctionKind, Lowerer, Semantics};
use crate::ir::Expr;

const LEXER: LexerConfig = LexerConfig {
    string_quotes: &['"', '\''],
    identifier_quote: None,
    backslash_escapes: true,
    doubled_quote_escapes: false,
    triple_quoted_raw: true,
    line_comments: &["#"],
    block_comments: false,
    identifier_start_extra: &[],
};

const GRAMMAR: Grammar = Grammar {
    word_operators: &["in", "is"],
    tilde_suffix: false,
    colon_comparison: false,
    colon_path: false,
    double_colon_cast: false,
    optional_field_prefix: false,
    python_collections: true,
    esql_literals: false,
    sql_literals: false,
};

const SEMANTICS: Semantics = Semantics {
    equality_case_sensitive: true,
    functions_case_sensitive: true,
    like_wildcards: ('*', '?'),
    function_kind,
    field_of: python_field,
};

fn function_kind(name: &str) -> Option<FunctionKind> {
    match name {
        "startswith" => Some(FunctionKind::StartsWith),
        "endswith" => Some(FunctionKind::EndsWith),
        _ => None,
    }
}

/// The names the event parameter goes by.
const EVENT_NAMES: &[&str] = &["event", "resource"];

/// Reads a field reference: `event.get("a")`, `event.deep_get("a", "b")`,
/// `deep_get(event, "a", "b")`, `event["a"]`, chained `.get("b")`, and `.lower()` or
/// `.upper()` around any of them, which fold case.
fn python_field(node: &Node) -> Option<(String, crate::elastic::expression::Span, bool)> {
    let Node::Call(call) = node else {
        return None;
    };
    let name = call.name.as_str();
    if matches!(name, "lower" | "upper" | "casefold") && call.args.is_empty() {
        let (field, span, _) = python_field(call.receiver.as_deref()?)?;
        return Some((field, span, true));
    }
    let keys = |args: &[Node]| -> Option<Vec<String>> {
        let mut keys = Vec::new();
        for arg in args {
            match arg {
                Node::Literal(literal) => keys.push(literal.value.clone()),
                Node::List(items, _) => {
                    for item in items {
                        let Node::Literal(literal) = item else {
                            return None;
                        };
                        keys.push(literal.value.clone());
                    }
                }
                _ => return None,
            }
        }
        (!keys.is_empty()).then_some(keys)
    };
    let on_event = |prefix: &str| EVENT_NAMES.iter().any(|e| name == format!("{e}.{prefix}"));
    // `get` takes one key and a default; the default is not part of the path.
    if on_event("get") || (name == "get" && call.receiver.is_some()) || name == "__getitem__" {
        let key = keys(call.args.get(..1)?)?;
        let prefix = match call.receiver.as_deref() {
            Some(receiver) if !is_event(receiver) => Some(python_field(receiver)?.0),
            _ => None,
        };
        let field = match prefix {
            Some(prefix) => format!("{prefix}.{}", key.join(".")),
            None => key.join("."),
        };
        return Some((field, call.span, false));
    }
    if on_event("deep_get") || on_event("udm") {
        let path = keys(&call.args)?;
        return Some((path.join("."), call.span, false));
    }
    if name == "deep_get" {
        let (first, rest) = call.args.split_first()?;
        if !is_event(first) {
            return None;
        }
        let path = keys(rest)?;
        return Some((path.join("."), call.span, false));
    }
    None
}

fn is_event(node: &Node) -> bool {
    matches!(node, Node::Field(field) if EVENT_NAMES.contains(&field.name.as_str()))
}

/// One logical line: its indentation and its tokens.
#[derive(Debug)]
struct Line<'a> {
    indent: usize,
    tokens: &'a [Token],
}

/// Reads the `rule` or `policy` function of `python` and lowers it. Returns `None` when the
/// file has no such function.
pub fn lower_rule_function(python: &str) -> Option<Expr> {
    let (tokens, _) = tokenize(python, &LEXER);
    let lines = logical_lines(python, &tokens);
    let definition = lines
        .iter()
        .position(|line| is_rule_definition(line.tokens))?;
    let definition_indent = lines.get(definition)?.indent;
    let body: Vec<&Line<'_>> = lines
        .iter()
        .skip(definition + 1)
        .take_while(|line| line.indent > definition_indent)
        .collect();
    let body_indent = body.first()?.indent;
    let lowerer = Lowerer::new(SEMANTICS, &ShiftMap(0));
    let mut guards: Vec<(Expr, bool)> = Vec::new();
    let mut final_result: Option<Expr> = None;
    let mut index = 0;
    while let Some(line) = body.get(index) {
        index += 1;
        if line.indent != body_indent {
            continue;
        }
        let first = line.tokens.first()?;
        if first.is_keyword("return") {
            final_result = Some(return_value(&lowerer, python, line.tokens));
            break;
        }
        if first.is_keyword("if") || first.is_keyword("elif") {
            let nested: Vec<&Line<'_>> = body
                .iter()
                .skip(index)
                .take_while(|l| l.indent > body_indent)
                .copied()
                .collect();
            index += nested.len();
            guards.push(guard(&lowerer, python, line, &nested));
            continue;
        }
        let opens_block = line.tokens.last().is_some_and(|t| t.is_symbol(":"));
        if opens_block {
            // A loop, `else`, `try` or `with` block: what it returns is not modelled.
            let start = first.start;
            let end = line.tokens.last().map_or(start, |t| t.end);
            guards.push((lowerer.opaque((start, end), "python block"), true));
        }
    }
    let final_result =
        final_result.unwrap_or_else(|| lowerer.opaque((0, 0), "python rule without return"));
    Some(combine(guards, final_result))
}

/// Joins ordered guards and the final result: `if g: return v` is taken when no earlier
/// guard returned.
fn combine(guards: Vec<(Expr, bool)>, final_result: Expr) -> Expr {
    let mut earlier_not_taken = Vec::new();
    let mut branches = Vec::new();
    for (condition, returns_true) in guards {
        if returns_true {
            let mut branch = earlier_not_taken.clone();
            branch.push(condition.clone());
            branches.push(and_of(branch));
        }
        earlier_not_taken.push(not_of(condition));
    }
    if !matches!(&final_result, Expr::And(items) if items.is_empty()) {
        let mut branch = earlier_not_taken;
        branch.push(final_result);
        branches.push(and_of(branch));
    }
    or_of(branches)
}

fn is_rule_definition(tokens: &[Token]) -> bool {
    let [def, name, open, ..] = tokens else {
        return false;
    };
    def.is_keyword("def")
        && (name.is_keyword("rule") || name.is_keyword("policy"))
        && open.is_symbol("(")
}

fn return_value(lowerer: &Lowerer<'_>, python: &str, tokens: &[Token]) -> Expr {
    let rest = tokens.get(1..).unwrap_or_default();
    let Some(node) = parse_tokens(python, rest) else {
        return lowerer.opaque(span_of(tokens), "python return");
    };
    match &node {
        Node::Literal(literal) if literal.value == "true" => Expr::And(Vec::new()),
        Node::Literal(literal) if literal.value == "false" => {
            lowerer.opaque(literal.span, "python rule returns false")
        }
        _ => lowerer.lower(&node),
    }
}

/// Reads `if condition: return v`, returning the condition and whether it returns true.
fn guard(
    lowerer: &Lowerer<'_>,
    python: &str,
    line: &Line<'_>,
    nested: &[&Line<'_>],
) -> (Expr, bool) {
    let colon = line
        .tokens
        .iter()
        .rposition(|t| t.is_symbol(":"))
        .unwrap_or(line.tokens.len());
    let condition_tokens = line.tokens.get(1..colon).unwrap_or_default();
    let after_colon = line.tokens.get(colon + 1..).unwrap_or_default();
    let statement = if after_colon.is_empty() {
        match nested {
            [only] => only.tokens,
            _ => &[],
        }
    } else if nested.is_empty() {
        after_colon
    } else {
        &[]
    };
    let returned = match statement {
        [ret, value] if ret.is_keyword("return") => {
            if value.is_keyword("true") {
                Some(true)
            } else if value.is_keyword("false") {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    };
    let condition = parse_tokens(python, condition_tokens);
    match (condition, returned) {
        (Some(condition), Some(returns_true)) => (lowerer.lower(&condition), returns_true),
        _ => (lowerer.opaque(span_of(line.tokens), "python guard"), true),
    }
}

fn parse_tokens(python: &str, tokens: &[Token]) -> Option<Node> {
    if tokens.is_empty() {
        return None;
    }
    let mut parser = Parser::new(tokens, GRAMMAR, python.len());
    let node = parser.expression();
    (parser.at_end() && parser.errors.is_empty()).then_some(node)
}

fn span_of(tokens: &[Token]) -> (usize, usize) {
    let start = tokens.first().map_or(0, |t| t.start);
    let end = tokens.last().map_or(start, |t| t.end);
    (start, end)
}

/// Groups tokens into logical lines: a line break outside brackets ends a line.
fn logical_lines<'a>(python: &str, tokens: &'a [Token]) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let mut depth = 0usize;
    let mut line_start = 0;
    for (index, token) in tokens.iter().enumerate() {
        if index > line_start && depth == 0 {
            let previous_end = tokens.get(index - 1).map_or(0, |t| t.end);
            let gap = python.get(previous_end..token.start).unwrap_or_default();
            let continued = gap
                .trim_end_matches([' ', '\t', '\n', '\r'])
                .ends_with('\\');
            if gap.contains('\n') && !continued {
                lines.push(make_line(
                    python,
                    tokens.get(line_start..index).unwrap_or_default(),
                ));
                line_start = index;
            }
        }
        if token.kind == TokenKind::Symbol {
            match token.value.as_ref() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    if line_start < tokens.len() {
        lines.push(make_line(
            python,
            tokens.get(line_start..).unwrap_or_default(),
        ));
    }
    lines
}

fn make_line<'a>(python: &str, tokens: &'a [Token]) -> Line<'a> {
    let start = tokens.first().map_or(0, |t| t.start);
    let line_start = python
        .get(..start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    Line {
        indent: start - line_start,
        tokens,
    }
}

//! Panther logic on fixtures this project wrote: simple detections with every modelled
//! condition, detections with wrong types, and Python rule functions.

mod elastic_panther_common;

use elastic_panther_common::{render, render_query};
use expect_test::{expect, expect_file};
use rulelens_syntax::panther::{self, python, yaml};
use rulelens_syntax::Tree;
use std::path::Path;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/panther")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn detection_conditions_lower() {
    let text = fixture("detection_conditions.yml");
    let parsed = panther::parse(&text);
    expect_file!["fixtures/panther/snapshots/detection_conditions.txt"]
        .assert_eq(&render(&text, &parsed));
}

#[test]
fn technique_ranges_point_at_ids() {
    let text = fixture("detection_conditions.yml");
    let parsed = panther::parse(&text);
    let rule = &parsed.documents.first().expect("a rule").rule;
    let written: Vec<&str> = rule
        .metadata
        .techniques
        .iter()
        .map(|t| &text[t.range.as_range()])
        .collect();
    assert_eq!(written, ["T1078.004", "T1562"]);
}

#[test]
fn detection_wrong_types_reported() {
    let text = fixture("detection_wrong_types.yml");
    let parsed = panther::parse(&text);
    let found: Vec<(&str, &str)> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.lint, text.get(d.range.as_range()).unwrap_or("<invalid>")))
        .map(|(lint, source)| (lint, source.lines().next().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            ("syntax/panther-wrong-type", "yes please"),
            ("syntax/panther-wrong-type", "[not, a, string]"),
            ("syntax/panther-wrong-type", "CreateUser"),
            ("syntax/panther-unknown-condition", "LooksLike"),
            ("syntax/panther-missing-key", "Key: eventName"),
            ("syntax/panther-wrong-type", "just a string"),
            ("syntax/panther-wrong-type", "not a list"),
        ]
    );
    let rule = &parsed.documents.first().expect("the rule still reads").rule;
    assert_eq!(
        rule.data_sources.len(),
        1,
        "a single log type string is one source"
    );
}

#[test]
fn python_rule_function_lowers() {
    let logic = python::lower_rule_function(&fixture("python_rule.py")).expect("a rule function");
    let python_text = fixture("python_rule.py");
    expect![[r#"
        or
          and
            outcome.result eq "SUCCESS" @ `event.get("outcome", {}).get("result") != "SUCCESS"`
            not
              actor.alternateId ends_with "@example.com" @ `"@example.com"`
            eventType eq "user.session.impersonation.grant" @ `event.get("eventType") == "user.session.impersonation.grant"`
          and
            outcome.result eq "SUCCESS" @ `event.get("outcome", {}).get("result") != "SUCCESS"`
            not
              actor.alternateId ends_with "@example.com" @ `"@example.com"`
            not
              eventType eq "user.session.impersonation.grant" @ `event.get("eventType") == "user.session.impersonation.grant"`
            or
              eventType eq "user.account.privilege.grant" @ `"user.account.privilege.grant"`
              eventType eq "group.user_membership.add" @ `"group.user_membership.add"`
            target is_not_null @ `event["target"] is not None`
            not
              debugContext.debugData.requestUri starts_with "/api/internal" (i) @ `"/api/internal"`
            opaque (comparison of computed values) `actor not in ALLOWED`
    "#]]
    .assert_eq(&render_query(&python_text, Some(&logic), &[]));
}

#[test]
fn python_policy_loop_is_opaque() {
    let python_text = fixture("python_policy.py");
    let logic = python::lower_rule_function(&python_text).expect("a policy function");
    expect![[r#"
        or
          opaque (python block) `for rule in resource.get("Rules", []):`
          and
            not
              opaque (python block) `for rule in resource.get("Rules", []):`
            EncryptionRules is_not_null @ `resource["EncryptionRules"] is not None`
    "#]]
    .assert_eq(&render_query(&python_text, Some(&logic), &[]));
}

#[test]
fn python_file_read_when_given() {
    let text = fixture("python_rule.yml");
    assert_eq!(
        panther::python_file_name(&text).as_deref(),
        Some("python_rule.py")
    );
    let without = panther::parse(&text);
    let rule = &without.documents.first().expect("a rule").rule;
    assert!(matches!(rule.logic, Some(rulelens_syntax::Expr::Opaque(_))));

    let with = panther::parse_with_python(&text, Some(&fixture("python_rule.py")));
    let document = with.documents.first().expect("a rule");
    assert!(document.rule.predicates().len() >= 5);
    let Tree::Panther(tree) = &document.tree else {
        panic!("not a Panther tree");
    };
    assert!(tree.logic_from_python);
}

#[test]
fn yaml_cut_at_every_byte() {
    for name in ["detection_conditions.yml", "detection_wrong_types.yml"] {
        let text = fixture(name);
        for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let partial = &text[..cut];
            let parsed = panther::parse(partial);
            for diagnostic in &parsed.diagnostics {
                assert!(
                    diagnostic.range.end() <= partial.len(),
                    "{name} cut at {cut}"
                );
            }
        }
    }
}

#[test]
fn deep_yaml_and_detection_nesting() {
    let flow = format!(
        "AnalysisType: rule\nTags: {}x{}\n",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let (root, _) = yaml::load(&flow);
    assert!(root.is_some());

    let mut nested = String::from("AnalysisType: rule\nRuleID: deep\nDetection:\n");
    for level in 0..300 {
        nested.push_str(&format!("{}- All:\n", "  ".repeat(level + 1)));
    }
    nested.push_str(&format!("{}- Key: a\n", "  ".repeat(302)));
    let parsed = panther::parse(&nested);
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.lint == yaml::INVALID_YAML && d.message.contains("deeper")),
        "{:?}",
        parsed.diagnostics
    );
    assert!(parsed
        .documents
        .first()
        .is_some_and(|d| d.rule.logic.is_some()));
}

#[test]
fn sql_query_ranges_in_block_scalar() {
    let text = "AnalysisType: scheduled_query\nQueryName: q\nQuery: |\n  SELECT * FROM panther_logs.public.okta_systemlog\n  WHERE eventType = 'user.session.start'\n    AND actor:alternateId::string ILIKE '%@example.com'\n";
    let parsed = panther::parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let rule = &parsed.documents.first().expect("a query").rule;
    let predicates = rule.predicates();
    let written: Vec<&str> = predicates
        .iter()
        .map(|(p, _)| &text[p.range.as_range()])
        .collect();
    assert_eq!(
        written,
        [
            "eventType = 'user.session.start'",
            "actor:alternateId::string ILIKE '%@example.com'"
        ]
    );
    let source = rule.data_sources.first().expect("the table");
    assert_eq!(
        &text[source.range.as_range()],
        "panther_logs.public.okta_systemlog"
    );
}

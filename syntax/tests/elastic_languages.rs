//! Unit cases of the Elastic query languages: each query is parsed on its own and its lowered
//! logic rendered with the compact listing of `elastic_panther_common::render_query`.

mod elastic_panther_common;

use elastic_panther_common::render_query;
use expect_test::{expect, Expect};
use rulelens_syntax::elastic::{eql, esql, kuery, lower::ShiftMap, lucene, query::QueryOutput};

fn check(
    parse: fn(&str, &dyn rulelens_syntax::elastic::lower::QueryMap) -> QueryOutput,
    query: &str,
    expected: Expect,
) {
    let output = parse(query, &ShiftMap(0));
    expected.assert_eq(&render_query(
        query,
        output.logic.as_ref(),
        &output.diagnostics,
    ));
}

#[test]
fn kuery_values_wildcards_and_lists() {
    check(
        kuery::parse,
        r#"process.name:cmd.exe and process.args:(*whoami* or "/c") and not user.name:SYSTEM*"#,
        expect![[r#"
            and
              process.name eq "cmd.exe" @ `process.name:cmd.exe`
              or
                process.args contains "whoami" @ `*whoami*`
                process.args eq "/c" @ `"/c"`
              not
                user.name starts_with "SYSTEM" @ `user.name:SYSTEM*`
        "#]],
    );
}

#[test]
fn kuery_ranges_existence_nested_free_text() {
    check(
        kuery::parse,
        r#"event.risk >= 73 and file.hash:* and items:{ name:x and size < 5 } or "free text""#,
        expect![[r#"
            or
              and
                event.risk ge "73" @ `event.risk >= 73`
                file.hash is_not_null @ `file.hash:*`
                items.name eq "x" @ `name:x`
                items.size lt "5" @ `size < 5`
              * match "free text" (i) @ `"free text"`
        "#]],
    );
}

#[test]
fn kuery_value_with_spaces_escapes_and_cidr() {
    check(
        kuery::parse,
        r#"message: hello world and path:C\:\\Windows\\* and source.ip:10.0.0.0/8"#,
        expect![[r#"
            and
              message eq "hello world" @ `message: hello world`
              path starts_with "C:\\Windows\\" @ `path:C\:\\Windows\\*`
              source.ip cidr_match "10.0.0.0/8" @ `source.ip:10.0.0.0/8`
        "#]],
    );
}

#[test]
fn kuery_syntax_errors() {
    check(
        kuery::parse,
        r#"a:(b or and c:"open"#,
        expect![[r#"
            and
              or
                a eq "b" @ `b`
                opaque (syntax error) `and`
              c eq "open" @ `c:"open`
            diagnostic syntax/kuery-unterminated-string `"open`: unterminated quoted value; add the closing `"`
            diagnostic syntax/kuery-unexpected-token `and`: expected a value, found `and`
            diagnostic syntax/kuery-unexpected-token `c`: missing `)` to close an open group; add it
              related `(`: the group opens here
            diagnostic syntax/kuery-unexpected-token `c`: expected `and`, `or` or the end of the query, found `c`
        "#]],
    );
}

#[test]
fn eql_operators_and_functions() {
    check(
        eql::parse,
        r#"process where process.name : ("cmd.exe", "pwsh*") and process.args like~ "*-enc*" and
           not process.parent.name in~ ("explorer.exe") and ?process.pe.original_file_name != null and
           cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16") and startsWith~(file.path, "C:\\Temp") and
           process.command_line regex ".*[0-9]{4}.*" and length(process.args) > 3"#,
        expect![[r#"
            and
              event.category eq "process" (i) @ `process`
              or
                process.name eq "cmd.exe" (i) @ `"cmd.exe"`
                process.name starts_with "pwsh" (i) @ `"pwsh*"`
              process.args contains "-enc" (i) @ `process.args like~ "*-enc*"`
              not
                process.parent.name eq "explorer.exe" (i) @ `"explorer.exe"`
              process.pe.original_file_name is_not_null @ `?process.pe.original_file_name != null`
              or
                source.ip cidr_match "10.0.0.0/8" @ `cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16")`
                source.ip cidr_match "192.168.0.0/16" @ `cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16")`
              file.path starts_with "c:\\temp" (i) @ `"C:\\Temp"`
              process.command_line regex_match ".*[0-9]{4}.*" @ `process.command_line regex ".*[0-9]{4}.*"`
              opaque (comparison of computed values) `length(process.args) > 3`
        "#]],
    );
}

#[test]
fn eql_sequence_steps_are_branches() {
    check(
        eql::parse,
        r#"sequence by host.id with maxspan=1m
             [process where process.name == "a.exe"] by process.entity_id
             ![file where file.name == "b.txt"]
             [network where true] with runs=2
           until [process where event.type == "end"]
           | head 5"#,
        expect![[r#"
            and
              and
                event.category eq "process" (i) @ `process`
                process.name eq "a.exe" @ `process.name == "a.exe"`
              not
                and
                  event.category eq "file" (i) @ `file`
                  file.name eq "b.txt" @ `file.name == "b.txt"`
              and
                event.category eq "network" (i) @ `network`
                opaque (constant) `true`
        "#]],
    );
}

#[test]
fn eql_sample_and_any() {
    check(
        eql::parse,
        r#"sample by host.id [any where user.name == "x"] [any where user.name == "y"]"#,
        expect![[r#"
            and
              user.name eq "x" @ `user.name == "x"`
              user.name eq "y" @ `user.name == "y"`
        "#]],
    );
}

#[test]
fn eql_errors_name_the_problem() {
    check(
        eql::parse,
        r#"process where (process.name == "a" and"#,
        expect![[r#"
            and
              event.category eq "process" (i) @ `process`
              process.name eq "a" @ `process.name == "a"`
              opaque (syntax error) ``
            diagnostic syntax/eql-unexpected-token ``: expected a value or a field, found the end of the query
            diagnostic syntax/eql-unexpected-token ``: missing `)` to close an open bracket; add it
              related `(`: the bracket opens here
        "#]],
    );
}

#[test]
fn esql_contexts_and_sources() {
    check(
        esql::parse,
        r#"from logs-endpoint.events.process-*, logs-system.* metadata _id
| where host.os.type == "windows" and to_lower(process.name) like "*.exe" and process.args is not null
| eval Esql.len = length(process.command_line)
| where Esql.len > 100 and not cidr_match(source.ip, "10.0.0.0/8")
| stats Esql.count = count(*) by host.id
| where Esql.count >= 5"#,
        expect![[r#"
            and
              host.os.type eq "windows" @ `host.os.type == "windows"`
              process.name ends_with ".exe" (i) @ `to_lower(process.name) like "*.exe"`
              process.args is_not_null @ `process.args is not null`
              Esql.len gt "100" [computed] @ `Esql.len > 100`
              not
                source.ip cidr_match "10.0.0.0/8" @ `cidr_match(source.ip, "10.0.0.0/8")`
              Esql.count ge "5" [threshold] @ `Esql.count >= 5`
        "#]],
    );
    let output = esql::parse("FROM a-*, b // c\n| limit 1", &ShiftMap(0));
    let sources: Vec<&str> = output
        .data_sources
        .iter()
        .map(|s| s.value.as_str())
        .collect();
    assert_eq!(sources, ["a-*", "b"]);
}

#[test]
fn esql_without_where_is_opaque() {
    check(
        esql::parse,
        "from logs-* | stats count(*) by host.name",
        expect![[r#"
            opaque (query without where) `from logs-* | stats count(*) by host.name`
        "#]],
    );
}

#[test]
fn lucene_terms_and_operators() {
    check(
        lucene::parse,
        r#"event.category:process AND process.args:(g+s OR /2[0-9]{3}/) AND NOT user.name:root AND size:[10 TO *]"#,
        expect![[r#"
            and
              event.category eq "process" @ `event.category:process`
              or
                process.args eq "g+s" @ `process.args:(g+s`
                process.args regex_match "2[0-9]{3}" @ `process.args:(g+s OR /2[0-9]{3}/`
              not
                user.name eq "root" @ `user.name:root`
              size ge "10" @ `size:[10 TO *]`
        "#]],
    );
}

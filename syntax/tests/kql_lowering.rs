//! Lowering of small KQL queries to the Rule IR, one feature per case, compared with the
//! listing that `kql_support::render` writes.

mod kql_support;

use expect_test::{expect, Expect};
use rulelens_syntax::{parse, Format};

fn check(query: &str, expected: Expect) {
    let parsed = parse(Format::Kql, query);
    expected.assert_eq(&kql_support::render(query, &parsed));
}

#[test]
fn string_operators_and_case() {
    check(
        r#"SecurityEvent
| where CommandLine has "mimikatz" and Process has_cs "Cmd.exe"
| where Account =~ "ADMIN" and Computer == "DC01" and Path contains_cs "Temp"
| where FileName startswith "PS" and FileName endswith ".EXE" and Url hasprefix "HTTP"
| where CommandLine matches regex @"(?i)\bsekurlsa\b""#,
        expect![[r#"
            tables: SecurityEvent
            and
              and
                CommandLine contains "mimikatz" (as has) @2:25
                Process contains "Cmd.exe" [cased] (as has_cs) @2:55
              and
                Account eq "admin" (as =~) @3:20
                Computer eq "DC01" [cased] (as ==) @3:44
                Path contains "Temp" [cased] (as contains_cs) @3:72
              and
                FileName starts_with "ps" (as startswith) @4:29
                FileName ends_with ".exe" (as endswith) @4:56
                Url starts_with "http" (as hasprefix) @4:81
              CommandLine regex_match "(?i)\\bsekurlsa\\b" [cased] (as matches regex) @5:35
        "#]],
    );
}

#[test]
fn negations_are_not_nodes() {
    check(
        r#"T
| where Account !has "svc" and Path !contains "Windows"
| where Name != "a" and Name !~ "B" and Name !startswith "x"
| where not(Computer in~ ("dc1", "DC2"))
| where Id !in (1, 2)"#,
        expect![[r#"
            tables: T
            and
              and
                not
                  Account contains "svc" (as !has) @2:22
                not
                  Path contains "windows" (as !contains) @2:47
              and
                not
                  Name eq "a" [cased] (as !=) @3:17
                not
                  Name eq "b" (as !~) @3:33
                not
                  Name starts_with "x" (as !startswith) @3:58
              not
                or
                  Computer eq "dc1" (as in~) @4:27
                  Computer eq "dc2" (as in~) @4:34
              not
                or
                  Id eq "1" [cased] (as !in) @5:17
                  Id eq "2" [cased] (as !in) @5:20
        "#]],
    );
}

#[test]
fn let_lists_and_scalars_resolve() {
    check(
        r#"let tools = dynamic(["psexec", "wmic"]);
let port = 3389;
let words = pack_array("a", "b");
T
| where ProcessName has_any (tools)
| where DestinationPort == port
| where CommandLine has_all (words)"#,
        expect![[r#"
            tables: T
            and
              or
                ProcessName contains "psexec" (as has_any) @1:22
                ProcessName contains "wmic" (as has_any) @1:32
              DestinationPort eq "3389" [cased] (as ==) @2:12
              and
                CommandLine contains "a" (as has_all) @3:24
                CommandLine contains "b" (as has_all) @3:29
        "#]],
    );
}

#[test]
fn ipv4_functions_lower_to_cidr() {
    check(
        r#"let ranges = dynamic(["20.0.0.0/8", "40.0.0.0/8"]);
T
| where not(ipv4_is_private(SrcIp))
| where ipv4_is_in_range(DstIp, "10.1.0.0/16")
| where ipv4_is_in_any_range(DstIp, ranges)
| where ipv4_is_match(ClientIp, "192.168.1.0", 24)
| where has_any_ipv4(Message, dynamic(["1.2.3.4", "5.6.7.8"]))"#,
        expect![[r#"
            tables: T
            and
              not
                or
                  SrcIp cidr_match "10.0.0.0/8" (as ipv4_is_private) @3:13
                  SrcIp cidr_match "172.16.0.0/12" (as ipv4_is_private) @3:13
                  SrcIp cidr_match "192.168.0.0/16" (as ipv4_is_private) @3:13
              DstIp cidr_match "10.1.0.0/16" (as ipv4_is_in_range) @4:33
              or
                DstIp cidr_match "20.0.0.0/8" (as ipv4_is_in_any_range) @1:23
                DstIp cidr_match "40.0.0.0/8" (as ipv4_is_in_any_range) @1:37
              ClientIp cidr_match "192.168.1.0/24" (as ipv4_is_match) @6:33
              or
                Message contains "1.2.3.4" (as has_any_ipv4) @7:40
                Message contains "5.6.7.8" (as has_any_ipv4) @7:51
        "#]],
    );
}

#[test]
fn existence_between_and_time_window() {
    check(
        r#"let lookback = 1d;
T
| where TimeGenerated > ago(lookback)
| where Timestamp between (datetime(2021-01-01) .. now())
| where isnotempty(Account) and isempty(Domain) and notempty(Host)
| where Port between (1000 .. 2000)"#,
        expect![[r#"
            tables: T
            and
              TimeGenerated gt "ago(lookback)" [cased, time window] (as >) @3:25
              and
                Timestamp ge "datetime(2021-01-01)" [cased, time window] (as between) @4:28
                Timestamp le "now()" [cased, time window] (as between) @4:52
              and
                Account is_not_null (as isnotempty) @5:9
                Domain is_null (as isempty) @5:33
                Host is_not_null (as notempty) @5:53
              and
                Port ge "1000" [cased] (as between) @6:23
                Port le "2000" [cased] (as between) @6:31
        "#]],
    );
}

#[test]
fn tabular_lets_and_shadowing_are_followed() {
    check(
        r#"let SigninLogs = SigninLogs | where ResultType == "50126";
let failures = SigninLogs | where AppDisplayName has "Portal";
failures
| where UserPrincipalName endswith "@contoso.com""#,
        expect![[r#"
            tables: SigninLogs
            and
              ResultType eq "50126" [cased] (as ==) @1:51
              AppDisplayName contains "portal" (as has) @2:54
              UserPrincipalName ends_with "@contoso.com" (as endswith) @4:36
        "#]],
    );
}

#[test]
fn joins_follow_constraining_kinds_only() {
    check(
        r#"SecurityEvent
| where EventID == 4624
| join kind=inner (SigninLogs | where ResultType == 0) on Account
| join kind=leftanti (AuditLogs | where OperationName has "reset") on Account
| lookup (Watchlist | where Tag == "vip") on Account"#,
        expect![[r#"
            tables: SecurityEvent, SigninLogs
            and
              EventID eq "4624" [cased] (as ==) @2:20
              opaque join kind=inner @3:3
              ResultType eq "0" [cased] (as ==) @3:53
              opaque join kind=leftanti @4:3
              opaque lookup @5:3
        "#]],
    );
}

#[test]
fn union_legs_become_or() {
    check(
        r#"union (SecurityEvent | where EventID == 4688), (WindowsEvent | where EventID == 4688), DeviceProcessEvents
| where CommandLine has "vssadmin""#,
        expect![[r#"
            tables: SecurityEvent, WindowsEvent, DeviceProcessEvents
            and
              or
                EventID eq "4688" [cased] (as ==) @1:41
                EventID eq "4688" [cased] (as ==) @1:81
                opaque union leg without a filter @1:88
              CommandLine contains "vssadmin" (as has) @2:25
        "#]],
    );
}

#[test]
fn summarize_marks_thresholds_and_computed_columns() {
    check(
        r#"T
| extend Lower = tolower(Account)
| where Lower has "admin"
| summarize Failures = count() by Account, bin(TimeGenerated, 1h)
| where Failures > 10 and Account != "system""#,
        expect![[r#"
            tables: T
            and
              Lower contains "admin" [computed] (as has) @3:19
              and
                Failures gt "10" [cased, threshold] (as >) @5:20
                not
                  Account eq "system" [cased] (as !=) @5:38
        "#]],
    );
}

#[test]
fn search_and_full_text_match() {
    check(
        r#"search in (SecurityEvent, Syslog) "mimikatz"
| where * has "sekurlsa""#,
        expect![[r#"
            tables: SecurityEvent, Syslog
            and
              * match "mimikatz" (as search) @1:35
              * match "sekurlsa" (as has) @2:15
        "#]],
    );
}

#[test]
fn function_arguments_and_parser_filters_bind() {
    check(
        r#"let AlertsFor = (ip:string) { SecurityAlert | where Entities has ip };
AlertsFor("10.1.2.3")
| union (_Im_Dns(domain_has_any=dynamic(["evil.com"]), starttime=ago(1d)))"#,
        expect![[r#"
            tables: SecurityAlert, _Im_Dns
            or
              Entities contains "10.1.2.3" (as has) @2:11
              domain contains "evil.com" (as domain_has_any) @3:42
        "#]],
    );
}

#[test]
fn parser_filter_on_unknown_list_is_opaque() {
    check(
        r#"let extensions = toscalar(_GetWatchlist('Risky') | summarize make_set(Extension));
_Im_WebSession(url_has_any=extensions, eventresult='Success', starttime=ago(1h), pack=true)"#,
        expect![[r#"
            tables: _Im_WebSession
            and
              opaque parser filter on a value not known here @2:28
              eventresult eq "success" (as eventresult) @2:52
        "#]],
    );
}

#[test]
fn unmodelled_comparisons_are_opaque() {
    check(
        r#"let known = T | distinct Account;
T
| where Account !in (known)
| where strlen(CommandLine) > 200
| where A == B"#,
        expect![[r#"
            tables: T
            and
              not
                opaque set membership against a subquery @3:22
              opaque comparison of a computed expression @4:9
              opaque comparison with a column or expression @5:9
        "#]],
    );
}

#[test]
fn syntax_lints_point_at_the_cause() {
    check(
        "T\n| where A == \n| foo x\n|\n| where (B has \"x\"",
        expect![[r#"
            tables: T
            and
              opaque comparison with a column or expression @2:9
              B contains "x" (as has) @5:16
            syntax/kql-missing-operand @2:11 missing operand after `==` (found `|`): add a value or remove the operator
            syntax/kql-unknown-operator @3:3 unknown tabular operator `foo`: use an operator such as `where`, `extend`, `project` or `summarize`
            syntax/kql-empty-pipe @4:1 nothing after `|` before `|`: add a tabular operator such as `where` or remove the `|`
            syntax/kql-unbalanced-brackets @5:9 unclosed `(`: add the matching `)`
        "#]],
    );
}

#[test]
fn boolean_comparisons_and_swapped_arguments() {
    check(
        r#"T
| where ipv4_is_private(SrcIpAddr) == False
| where isempty(User) != true
| where ipv4_is_match("127.0.0.1", ClientIP)"#,
        expect![[r#"
            tables: T
            and
              not
                or
                  SrcIpAddr cidr_match "10.0.0.0/8" (as ipv4_is_private) @2:9
                  SrcIpAddr cidr_match "172.16.0.0/12" (as ipv4_is_private) @2:9
                  SrcIpAddr cidr_match "192.168.0.0/16" (as ipv4_is_private) @2:9
              not
                User is_null (as isempty) @3:9
              ClientIP cidr_match "127.0.0.1" (as ipv4_is_match) @4:23
        "#]],
    );
}

#[test]
fn external_lists_become_placeholders() {
    check(
        r#"let feed = externaldata(Ip: string)[@"https://example.invalid/ips.txt"];
let vip = _GetWatchlist('VIP') | project SearchKey;
DeviceNetworkEvents
| where RemoteIP in (feed)
| where AccountName !in (vip)
| where DeviceName in ((DeviceInfo | distinct DeviceName))"#,
        expect![[r#"
            tables: DeviceNetworkEvents
            and
              RemoteIP eq "externaldata" [cased] (as in) @4:22
              not
                AccountName eq "watchlist:VIP" [cased] (as !in) @5:26
              opaque set membership against a subquery @6:23
        "#]],
    );
}

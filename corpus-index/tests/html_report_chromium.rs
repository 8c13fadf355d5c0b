//! The HTML technique report rendered in headless Chromium: the page must show the per-vendor
//! counts of the report, and a screenshot of it is saved to `docs/images/report-t1133.png`
//! for the docs.
//!
//! Needs Debian's `chromium` on the `PATH` (`apt-get install -y chromium`), or the browser
//! named by `RULELENS_CHROMIUM`. The test fails when the browser is missing, so that CI never
//! passes without rendering the page.

use rulelens_corpus::default_index;
use rulelens_corpus::report::{render, technique_report, ReportFormat, ReportOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium normally renders the page in about a second; this bounds a hung browser.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn browser() -> String {
    std::env::var("RULELENS_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

/// Runs headless Chromium with `extra` arguments on `page` and returns its standard output.
fn run_chromium(page: &Path, extra: &[String]) -> String {
    let profile = match tempfile::tempdir() {
        Ok(profile) => profile,
        Err(error) => panic!("cannot create a browser profile folder: {error}"),
    };
    let mut command = Command::new(browser());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let child = command.spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => panic!(
            "cannot start `{}`: {error}; install Debian's chromium (`apt-get install -y \
             chromium`) or set RULELENS_CHROMIUM",
            browser()
        ),
    };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > BROWSER_TIMEOUT => {
                let _ = child.kill();
                panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("waiting for chromium failed: {error}"),
        }
    }
    let output = child.wait_with_output();
    match output {
        Ok(output) => String::from_utf8_lossy(&output.stdout).into_owned(),
        Err(error) => panic!("reading chromium output failed: {error}"),
    }
}

fn screenshot_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/images/report-t1133.png")
}

#[test]
fn html_report_renders_vendor_counts() {
    let index = match default_index() {
        Ok(index) => index,
        Err(error) => panic!("default index does not load: {error}"),
    };
    let report = technique_report(index, "T1133", &ReportOptions::default());
    let folder = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(error) => panic!("cannot create a temporary folder: {error}"),
    };
    let page = folder.path().join("report-t1133.html");
    if let Err(error) = std::fs::write(&page, render(&report, ReportFormat::Html)) {
        panic!("cannot write {}: {error}", page.display());
    }

    let dom = run_chromium(&page, &["--dump-dom".to_owned()]);
    assert!(
        dom.contains("T1133: detection rules in the corpus"),
        "{dom}"
    );
    for (vendor, count) in &report.rules_per_vendor {
        let row = format!("<tr data-vendor=\"{vendor}\">");
        let cell = format!("<td class=\"num\">{count}</td>");
        let row_shows_count = dom
            .split(&row)
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .is_some_and(|row_html| row_html.contains(&cell));
        assert!(row_shows_count, "page does not show {count} {vendor} rules");
    }

    let screenshot = screenshot_path();
    if let Some(parent) = screenshot.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    run_chromium(
        &page,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,1400".to_owned(),
            "--hide-scrollbars".to_owned(),
        ],
    );
    let png = std::fs::read(&screenshot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "no PNG screenshot at {}",
        screenshot.display()
    );
}

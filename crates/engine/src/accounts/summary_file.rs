//! `--summary FILE`: a run's summary for CI, one entry per account. JUnit XML (`.xml`, or
//! `--summary-format junit`): a test case per account, failed when the account's exit code
//! is 2 (changes, drift), in error when it failed, skipped when it was not started; CI
//! systems show it as a test report. GitHub's step-summary Markdown (`.md`, or
//! `--summary-format markdown`, for `--summary "$GITHUB_STEP_SUMMARY"`): a table.
//! The file is checked before any AWS call, and written whole (or not at all) at the end.

use super::Target;
use crate::{write_atomically, Error, Exit, TOOL_VERSION};
use std::path::{Path, PathBuf};

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Junit,
    Markdown,
}

impl SummaryFormat {
    /// `--summary-format`'s value.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text {
            "junit" => Ok(SummaryFormat::Junit),
            "markdown" => Ok(SummaryFormat::Markdown),
            other => Err(Error::other(
                format!("--summary-format {other:?} is not a summary format; nothing was called"),
                "use --summary-format junit (JUnit XML) or --summary-format markdown (GitHub's step summary)",
            )),
        }
    }
}

/// `--summary PATH [--summary-format F]` as given, checked when the run starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRequest {
    pub path: PathBuf,
    pub format: Option<String>,
}

/// Where the summary goes, and in which format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryFile {
    pub path: PathBuf,
    pub format: SummaryFormat,
}

impl SummaryFile {
    /// `--summary PATH [--summary-format F]`, checked before any call: the format (given, or
    /// by the extension) and a directory to write in.
    pub fn new(path: &Path, format: Option<&str>) -> Result<Self, Error> {
        let format = match format {
            Some(f) => SummaryFormat::parse(f)?,
            None => match path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("xml") => SummaryFormat::Junit,
                Some("md" | "markdown") => SummaryFormat::Markdown,
                _ => {
                    return Err(Error::other(
                        format!(
                            "--summary {}: cannot tell its format from its name; nothing was called",
                            path.display()
                        ),
                        "name a .xml file (JUnit XML) or a .md file (Markdown), or add --summary-format junit|markdown (for $GITHUB_STEP_SUMMARY: --summary-format markdown)",
                    ))
                }
            },
        };
        if path.is_dir() {
            return Err(Error::other(
                format!(
                    "--summary {} is a directory; nothing was called",
                    path.display()
                ),
                "name a file for the summary, inside that directory for instance",
            ));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(Error::other(
                format!(
                    "--summary {}: the directory {} does not exist; nothing was called",
                    path.display(),
                    dir.display()
                ),
                "create the directory first, or name a file in one that exists",
            ));
        }
        Ok(SummaryFile {
            path: path.to_path_buf(),
            format,
        })
    }

    /// Write the summary of `command` over `cases`.
    pub fn write(&self, command: &str, cases: &[Case]) -> Result<(), Error> {
        let text = match self.format {
            SummaryFormat::Junit => junit(command, cases),
            SummaryFormat::Markdown => markdown(command, cases),
        };
        write_atomically(&self.path, &text)
    }
}

/// One account's entry.
#[derive(Debug, Clone)]
pub struct Case {
    pub target: Target,
    pub exit: Exit,
    /// What it found or did ("2 to add", "no drift"), or "-".
    pub changes: String,
    /// Its error, in full, when it failed.
    pub error: Option<String>,
    /// False: not started (`--failure-tolerance`).
    pub started: bool,
    /// With `started` false: it was planned, then not applied (`apply`, `destroy`).
    pub planned: bool,
    pub seconds: f64,
    /// What it printed (several accounts).
    pub output: String,
}

impl Case {
    fn name(&self) -> String {
        match (&self.target.account, &self.target.name) {
            (Some(account), Some(name)) => format!("{account} {name}"),
            (Some(account), None) => account.clone(),
            _ => "the current credentials".to_string(),
        }
    }

    fn state(&self) -> &'static str {
        match (self.started, &self.error, self.exit) {
            (false, _, _) => "not started",
            (_, Some(_), _) => "failed",
            (_, None, Exit::Changes) => "changes",
            (_, None, Exit::Error) => "failed",
            _ => "ok",
        }
    }

    /// Why it was skipped, for a case not started.
    fn skipped(&self) -> &'static str {
        if self.planned {
            "planned, not applied: the failure tolerance was reached"
        } else {
            "not started: the failure tolerance was reached"
        }
    }

    /// The result as the terminal's summary words it: ok (it ran, whatever it found),
    /// failed, not started, planned but not applied.
    fn result(&self) -> String {
        match (&self.error, self.state()) {
            (Some(e), _) => format!("failed: {}", first_line(e)),
            (None, "not started") if self.planned => "planned, not applied".to_string(),
            (None, "not started") => "not started".to_string(),
            (None, "failed") => "failed".to_string(),
            _ => "ok".to_string(),
        }
    }
}

/// Counts: ok, changes, failed, not started.
fn counts(cases: &[Case]) -> [usize; 4] {
    let mut n = [0; 4];
    for c in cases {
        let i = match c.state() {
            "ok" => 0,
            "changes" => 1,
            "failed" => 2,
            _ => 3,
        };
        n[i] += 1;
    }
    n
}

/// Text as XML 1.0 takes it: markup escaped, terminal colours dropped, and the control
/// characters XML cannot hold left out.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // An ANSI escape: ESC [ parameters final-byte.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for f in chars.by_ref() {
                        if ('@'..='~').contains(&f) {
                            break;
                        }
                    }
                }
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// JUnit XML, as Jenkins, GitLab and the JUnit report actions read it.
pub fn junit(command: &str, cases: &[Case]) -> String {
    let [_, changes, failed, skipped] = counts(cases);
    let time: f64 = cases.iter().map(|c| c.seconds).sum();
    let head = format!(
        r#"tests="{}" failures="{changes}" errors="{failed}" skipped="{skipped}" time="{time:.3}""#,
        cases.len()
    );
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- generated by librechat-bedrock {TOOL_VERSION}: `{}` across {} account{} -->\n<testsuites name=\"librechat-bedrock {}\" {head}>\n  <testsuite name=\"{}\" {head}>\n",
        xml(command),
        cases.len(),
        if cases.len() == 1 { "" } else { "s" },
        xml(command),
        xml(command),
    );
    for c in cases {
        out.push_str(&format!(
            "    <testcase classname=\"librechat-bedrock.{}\" name=\"{}\" time=\"{:.3}\"",
            xml(command),
            xml(&c.name()),
            c.seconds
        ));
        let mut body = String::new();
        match (c.state(), &c.error) {
            ("not started", _) => {
                body.push_str(&format!("      <skipped message=\"{}\"/>\n", c.skipped()))
            }
            ("failed", Some(e)) => body.push_str(&format!(
                "      <error type=\"error\" message=\"{}\">{}</error>\n",
                xml(first_line(e)),
                xml(e)
            )),
            ("failed", None) => body.push_str(&format!(
                "      <failure type=\"failed\" message=\"{}\"/>\n",
                xml(&c.changes)
            )),
            ("changes", _) => body.push_str(&format!(
                "      <failure type=\"changes\" message=\"{}\"/>\n",
                xml(&c.changes)
            )),
            _ => {}
        }
        if !c.output.trim().is_empty() {
            body.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml(c.output.trim_end())
            ));
        }
        if body.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(&format!(">\n{body}    </testcase>\n"));
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// A Markdown table cell: one line, its pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// GitHub's step summary: a headline, a table, and each failure's error.
pub fn markdown(command: &str, cases: &[Case]) -> String {
    let [ok, changes, failed, skipped] = counts(cases);
    let mut out = format!(
        "<!-- generated by librechat-bedrock {TOOL_VERSION} -->\n### librechat-bedrock `{command}`: {} account{}\n\n{} ran ({changes} with exit code 2: changes or drift), {failed} failed, {skipped} not started\n\n| account | name | changes | result | time |\n|---|---|---|---|---:|\n",
        cases.len(),
        if cases.len() == 1 { "" } else { "s" },
        ok + changes,
    );
    for c in cases {
        let result = c.result();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} s |\n",
            cell(c.target.account.as_deref().unwrap_or("-")),
            cell(c.target.name.as_deref().unwrap_or("")),
            cell(&c.changes),
            cell(&result),
            c.seconds
        ));
    }
    for c in cases {
        if let Some(e) = &c.error {
            let fence = if e.contains("```") { "~~~~" } else { "```" };
            out.push_str(&format!(
                "\n<details><summary>{} failed</summary>\n\n{fence}text\n{e}\n{fence}\n\n</details>\n",
                cell(&c.name())
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(account: &str, exit: Exit, error: Option<&str>, started: bool) -> Case {
        Case {
            target: Target {
                role: Some(format!("arn:aws:iam::{account}:role/R")),
                account: Some(account.to_string()),
                name: Some(format!("team <{account}> & co")),
            },
            exit,
            changes: if exit == Exit::Changes {
                "1 to change".into()
            } else {
                "-".into()
            },
            error: error.map(str::to_string),
            started,
            planned: false,
            seconds: 1.25,
            output: "plan: \u{1b}[1mbold\u{1b}[0m\u{7}\n".into(),
        }
    }

    #[test]
    fn junit_has_a_case_per_account_with_its_outcome_and_escapes_what_it_quotes() {
        let cases = [
            case("111111111111", Exit::Success, None, true),
            case("222222222222", Exit::Changes, None, true),
            case(
                "333333333333",
                Exit::Error,
                Some("denied \"x\" <y>\n  help: fix"),
                true,
            ),
            case("444444444444", Exit::Error, None, false),
        ];
        let x = junit("drift", &cases);
        assert!(
            x.contains(r#"tests="4" failures="1" errors="1" skipped="1" time="5.000""#),
            "{x}"
        );
        assert!(
            x.contains(r#"name="111111111111 team &lt;111111111111&gt; &amp; co" time="1.250""#),
            "{x}"
        );
        assert!(
            x.contains(r#"<failure type="changes" message="1 to change"/>"#),
            "{x}"
        );
        assert!(x.contains(r#"<error type="error" message="denied &quot;x&quot; &lt;y&gt;">denied &quot;x&quot; &lt;y&gt;"#), "{x}");
        assert!(x.contains("<skipped message=\"not started"), "{x}");
        assert!(x.contains("<system-out>plan: bold</system-out>"), "{x}");
        assert!(!x.contains('\u{1b}') && !x.contains('\u{7}'), "{x}");
    }

    #[test]
    fn markdown_is_one_table_row_per_account_with_each_error_below() {
        let cases = [
            case("111111111111", Exit::Success, None, true),
            case("333333333333", Exit::Error, Some("a | b\nhelp: c"), true),
        ];
        let m = markdown("plan", &cases);
        assert!(
            m.contains("1 ran (0 with exit code 2: changes or drift), 1 failed, 0 not started"),
            "{m}"
        );
        assert!(
            m.contains("| 111111111111 | team <111111111111> & co | - | ok | 1.2 s |"),
            "{m}"
        );
        assert!(
            m.contains("| 333333333333 | team <333333333333> & co | - | failed: a \\| b | 1.2 s |"),
            "{m}"
        );
        assert!(m.contains("```text\na | b\nhelp: c\n```"), "{m}");
    }

    #[test]
    fn the_format_comes_from_the_flag_or_the_name_and_the_directory_must_exist() {
        let dir = std::env::temp_dir();
        let f = SummaryFile::new(&dir.join("s.xml"), None).unwrap();
        assert_eq!(f.format, SummaryFormat::Junit);
        let f = SummaryFile::new(&dir.join("s.MD"), None).unwrap();
        assert_eq!(f.format, SummaryFormat::Markdown);
        let f = SummaryFile::new(&dir.join("step_summary_1"), Some("markdown")).unwrap();
        assert_eq!(f.format, SummaryFormat::Markdown);
        let e = SummaryFile::new(&dir.join("s.txt"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot tell its format"), "{e}");
        let e = SummaryFile::new(&dir.join("s.txt"), Some("html"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a summary format"), "{e}");
        let e = SummaryFile::new(&dir.join("no-such-dir-x9/s.xml"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        let e = SummaryFile::new(&dir, Some("junit"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a directory"), "{e}");
    }
}

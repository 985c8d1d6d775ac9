//! `sweep --stack-prefix PREFIX`: list, then delete, what runs left behind: every resource
//! tagged by this tool for a stack whose name starts with the prefix, in the order destroy
//! deletes. No spec is needed (the tags say which stack); `--config`'s spec, when there is
//! one, only gives the region when `--region` does not.

use crate::output::Terminal;
use crate::output::{confirm, json_text, load_spec, note, out, Exit};
use bedrock_engine::{Error, SweepReport, Sweeper};
use bedrock_engine::{Place, DEFAULT_CONFIG};
use clap::Args;
use std::path::PathBuf;

/// Delete every resource tagged for a stack whose name starts with a prefix (what test runs
/// left behind), in destroy's order; a stack younger than --older-than is refused.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Sweep the stacks whose name (their resources' `stack` tag) starts with this.
    #[arg(long, value_name = "PREFIX")]
    pub stack_prefix: String,
    /// Refuse when a matching stack has a resource younger than this (`30m`, `2h`, `1d`;
    /// `0s`: any age).
    #[arg(long, value_name = "DURATION", default_value = "2h")]
    pub older_than: String,
    /// Do not ask for confirmation (CI).
    #[arg(long, conflicts_with = "dry_run")]
    pub yes: bool,
    /// List what would be swept, delete nothing, exit 0.
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the log groups and buckets (the invocation logs and payloads they hold).
    #[arg(long)]
    pub keep_data: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// The region to sweep (default: the spec's at --config when there is one, else
    /// AWS_REGION).
    #[arg(long, value_name = "REGION", conflicts_with = "config")]
    pub region: Option<String>,
    /// A spec whose region to sweep, when --region is not given.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Send every AWS call to the embedded emulator (started when it is not running;
    /// BEDROCK_EMULATOR_PORT sets its port).
    #[arg(long, conflicts_with = "endpoint_url")]
    pub local: bool,
    /// Send every AWS call to this AWS-compatible endpoint.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl SweepArgs {
    pub fn run(self) -> Result<Exit, Error> {
        check_prefix(&self.stack_prefix)?;
        let older_than = bedrock_engine::parse_duration(&self.older_than).ok_or_else(|| {
            Error::other(
                format!("--older-than {:?} is not a duration; nothing was called", self.older_than),
                "write a number with s, m, h or d, e.g. --older-than 2h (--older-than 0s sweeps stacks of any age)",
            )
        })?;
        let region = self.region()?;
        let endpoint = self.where_aws().endpoint(&region, &Terminal::default())?;
        let sweeper = Sweeper::connect(&endpoint, &region)?;
        let result = self.sweep(&sweeper, older_than.as_secs());
        note(format!("sweep: {}", sweeper.calls()));
        result
    }

    fn sweep(&self, sweeper: &Sweeper, older_than: u64) -> Result<Exit, Error> {
        let report = sweeper.find(&self.stack_prefix, older_than, self.keep_data)?;
        if !self.json {
            out(&report);
        }
        let any_age = self.command(&["--older-than 0s", "--yes"]);
        if let Some(refused) = report.refusal(&self.older_than, &any_age) {
            if self.json {
                out(json_text(&report));
            }
            return Err(refused);
        }
        let (deletes, stacks) = (report.sweep.deletes(), deleting_stacks(&report));
        if deletes == 0 {
            if self.json {
                out(json_text(&report));
            } else if !report.sweep.stacks.is_empty() {
                out("\nNothing to sweep: every resource found is kept.\n");
            }
            return Ok(Exit::Success);
        }
        let what = format!(
            "{deletes} resource{} of {stacks} stack{}",
            if deletes == 1 { "" } else { "s" },
            if stacks == 1 { "" } else { "s" }
        );
        if self.dry_run {
            if self.json {
                out(json_text(&report));
            }
            note(format!(
                "dry run: nothing was deleted; `{}` deletes these {what}",
                self.command(&["--yes"])
            ));
            return Ok(Exit::Success);
        }
        let data = if self.keep_data {
            ""
        } else {
            ", INCLUDING THE LOGS AND PAYLOADS their log groups and buckets hold"
        };
        confirm(
            &format!(
                "\nDelete these {what} in account {}, {}{data}?",
                report.account_id, report.region
            ),
            self.yes,
            &self.command(&["--dry-run"]),
        )?;
        let bar = crate::progress::steps(report.sweep.plan.step_count(), "");
        let progress = crate::progress::apply(bar.clone(), String::new());
        let result = sweeper.sweep(report, progress, &self.command(&[]));
        bar.finish_and_clear();
        let report = result?;
        if self.json {
            out(json_text(&report));
        } else {
            let kept: Vec<String> = report
                .sweep
                .stacks
                .iter()
                .flat_map(|s| &s.resources)
                .filter(|r| r.action == "keep")
                .map(|r| format!("{} {}", r.label, r.name))
                .collect();
            let kept = if kept.is_empty() {
                String::new()
            } else {
                format!("\nKept on purpose: {}", kept.join(", "))
            };
            out(format!("\nSwept: {what}{kept}\n"));
        }
        Ok(Exit::Success)
    }

    /// The region: `--region`, else the spec's (when the spec file is there), else the
    /// standard environment.
    fn region(&self) -> Result<String, Error> {
        if let Some(r) = &self.region {
            return check_region(r);
        }
        let explicit = self.config.as_os_str() != DEFAULT_CONFIG;
        if explicit || self.config.exists() {
            return Ok(load_spec(&self.config)?.stack.region);
        }
        let env = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|r| !r.trim().is_empty()));
        match env {
            Some(r) => check_region(&r),
            None => Err(Error::other(
                format!("no region to sweep: no --region, no {DEFAULT_CONFIG} here, no AWS_REGION; nothing was called"),
                "pass --region (e.g. --region us-east-1), or --config with a spec whose region to sweep",
            )),
        }
    }

    /// Where AWS is, as every stack command takes it.
    fn where_aws(&self) -> Place {
        Place {
            local: self.local,
            endpoint_url: self.endpoint_url.clone(),
        }
    }

    /// This sweep as a command, with `extra` flags (an `--older-than` among them replaces
    /// the user's).
    fn command(&self, extra: &[&str]) -> String {
        let mut c = format!(
            "{} sweep --stack-prefix {}",
            crate::program(),
            self.stack_prefix
        );
        if !extra.iter().any(|e| e.starts_with("--older-than")) && self.older_than != "2h" {
            c.push_str(&format!(" --older-than {}", self.older_than));
        }
        for e in extra {
            c.push_str(&format!(" {e}"));
        }
        if self.keep_data {
            c.push_str(" --keep-data");
        }
        if self.local {
            c.push_str(" --local");
        }
        if let Some(url) = &self.endpoint_url {
            c.push_str(&format!(" --endpoint-url {url}"));
        }
        if let Some(r) = &self.region {
            c.push_str(&format!(" --region {r}"));
        }
        if self.config.as_os_str() != DEFAULT_CONFIG {
            c.push_str(&format!(" --config {}", self.config.display()));
        }
        c
    }
}

/// The stacks the sweep deletes something of.
fn deleting_stacks(report: &SweepReport) -> usize {
    report
        .sweep
        .stacks
        .iter()
        .filter(|s| s.resources.iter().any(|r| r.action == "delete"))
        .count()
}

/// A prefix is the start of a stack name: 1-64 letters, digits, `.`, `_`, `-`, starting with
/// a letter or digit. An empty one would sweep every stack: refused.
fn check_prefix(prefix: &str) -> Result<(), Error> {
    let valid = (1..=64).contains(&prefix.chars().count())
        && prefix.starts_with(|c: char| c.is_ascii_alphanumeric())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        return Ok(());
    }
    let shown: String = prefix.chars().take(80).collect();
    Err(Error::other(
        format!("--stack-prefix {shown:?} is not the start of a stack name; nothing was called"),
        "give the common start of the stacks' names (1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit), e.g. --stack-prefix lc-",
    ))
}

fn check_region(region: &str) -> Result<String, Error> {
    let valid = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        return Ok(region.to_string());
    }
    let shown: String = region.chars().take(40).collect();
    Err(Error::other(
        format!("{shown:?} is not a region; nothing was called"),
        "name a region as AWS does, e.g. --region us-east-1",
    ))
}

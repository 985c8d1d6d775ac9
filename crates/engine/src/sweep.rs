//! `sweep`: what runs left behind, across the stacks whose name starts with a prefix. Found by
//! the AWS layer, grouped and planned by `bedrock_plan::sweep` (the kinds' own destroy steps,
//! in destroy's order), run by the AWS layer's apply. No spec: the tags say which stack.

use crate::Error;
use bedrock_aws::{CallStats, Clients, Endpoint, ProgressFn};
use bedrock_plan::sweep::{age_text, plan_sweep, SweepOptions, SweepPlan};
use serde::Serialize;
use std::fmt;

/// An account and region, to sweep.
pub struct Sweeper {
    clients: Clients,
    runtime: tokio::runtime::Runtime,
    region: String,
}

/// What a sweep found (and, once run, deleted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepReport {
    pub prefix: String,
    pub account_id: String,
    pub region: String,
    pub older_than_seconds: u64,
    pub keep_data: bool,
    #[serde(flatten)]
    pub sweep: SweepPlan,
    /// Resources deleted (0 until the sweep runs).
    pub swept: usize,
}

impl SweepReport {
    /// Why the sweep is refused: a stack of the prefix younger than `--older-than`.
    pub fn refusal(&self, older_than: &str, rerun: &str) -> Option<Error> {
        let young: Vec<String> = self
            .sweep
            .young()
            .map(|s| match s.age_seconds {
                Some(a) => format!("{} ({} old)", s.stack, age_text(a)),
                None => format!("{} (its resources tell no age)", s.stack),
            })
            .collect();
        if young.is_empty() {
            return None;
        }
        let (one, them) = if young.len() == 1 {
            ("stack", "it")
        } else {
            ("stacks", "them")
        };
        Some(Error::other(
            format!(
                "--stack-prefix {:?} matches {one} {} younger than --older-than {older_than}: nothing was deleted",
                self.prefix,
                young.join(", ")
            ),
            format!(
                "a young stack may belong to a run still going: wait until {them} {} older than {older_than}, narrow --stack-prefix to the stacks left behind, or, when nothing else uses this account, sweep regardless of age with `{rerun}`",
                if young.len() == 1 { "is" } else { "are" }
            ),
        ))
    }
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sweep.stacks.is_empty() {
            return writeln!(
                f,
                "Nothing to sweep: no resource in account {}, {} is tagged managed-by = {} with a stack starting {:?}.",
                self.account_id,
                self.region,
                bedrock_spec::MANAGED_BY_VALUE,
                self.prefix
            );
        }
        let n = self.sweep.stacks.len();
        writeln!(
            f,
            "{n} stack{} of prefix {:?} in account {}, {} (each resource in the order it is deleted):",
            if n == 1 { "" } else { "s" },
            self.prefix,
            self.account_id,
            self.region
        )?;
        for s in &self.sweep.stacks {
            let age = s.age_seconds.map_or("age unknown".into(), |a| {
                format!("youngest resource {} old", age_text(a))
            });
            let young = if s.young {
                format!(
                    "  YOUNGER THAN --older-than {}",
                    age_text(self.older_than_seconds)
                )
            } else {
                String::new()
            };
            writeln!(f, "\n  stack {} ({age}){young}", s.stack)?;
            for r in &s.resources {
                let mark = if r.action == "delete" { "-" } else { "=" };
                let age = r.age_seconds.map_or("age unknown".into(), age_text);
                let kept = r
                    .kept
                    .as_ref()
                    .map(|k| format!("  # kept: {k}"))
                    .unwrap_or_default();
                writeln!(f, "    {mark} {} {}  ({age}){kept}", r.label, r.name)?;
            }
        }
        Ok(())
    }
}

impl Sweeper {
    /// Connect to `endpoint` in `region`. Nothing is called yet.
    pub fn connect(endpoint: &Endpoint, region: &str) -> Result<Self, Error> {
        let runtime = crate::runtime(true)?;
        let clients = runtime.block_on(Clients::connect(endpoint, region));
        Ok(Sweeper {
            clients,
            runtime,
            region: region.to_string(),
        })
    }

    /// Every AWS call made so far.
    pub fn calls(&self) -> CallStats {
        self.clients.recorder.stats()
    }

    /// What the prefix matches, grouped by stack, with the plan that deletes it. Reads only.
    pub fn find(
        &self,
        prefix: &str,
        older_than: u64,
        keep_data: bool,
    ) -> Result<SweepReport, Error> {
        let (account_id, found) = self.runtime.block_on(async {
            let account = bedrock_aws::caller_account(&self.clients).await?;
            let found = bedrock_aws::find_leftovers(&self.clients, prefix).await?;
            Ok::<_, bedrock_aws::AwsError>((account, found))
        })?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let options = SweepOptions {
            prefix: prefix.to_string(),
            older_than,
            keep_data,
            now,
        };
        let sweep = plan_sweep(found, &options, &account_id, &self.region);
        Ok(SweepReport {
            prefix: prefix.to_string(),
            account_id,
            region: self.region.clone(),
            older_than_seconds: older_than,
            keep_data,
            sweep,
            swept: 0,
        })
    }

    /// Delete what `report` plans to, phase by phase; `rerun` is the command that continues
    /// after a failure. Returns the report with what was deleted.
    pub fn sweep(
        &self,
        mut report: SweepReport,
        progress: ProgressFn,
        rerun: &str,
    ) -> Result<SweepReport, Error> {
        self.runtime
            .block_on(bedrock_aws::apply(
                &self.clients,
                &report.sweep.plan,
                progress,
            ))
            .map_err(|errors| Error::Apply {
                errors,
                rerun: rerun.to_string(),
            })?;
        report.swept = report.sweep.deletes();
        Ok(report)
    }
}

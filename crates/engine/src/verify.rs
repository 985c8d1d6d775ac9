//! `verify [--since 15m] [--follow] [--json]`: the guide's "Verifying Your Configuration" and
//! "Monitoring Usage" as a command. It reads Bedrock's model invocation records and tells,
//! per configured model, how many calls went through its profile ARN (the guide's success
//! indicator) and how many used the raw model id ("mapping isn't working"), with tokens.

use crate::records::{
    classify, describe, parse_since, problems, render, ConfiguredModel, Record, Report,
};
use crate::{Error, Stack};
use bedrock_plan::ObservedState;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

/// `verify`: the invocation records of a window, classified per configured model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    pub since: String,
    /// The log group the records were read from; empty when they were read from S3.
    pub log_group: String,
    /// The S3 destination they were read from (`s3://bucket/prefix`), when no log group is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<String>,
    #[serde(skip)]
    source: Source,
    /// Objects of the S3 destination that hold no records (not gzipped text), skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// Why the CloudWatch figures are missing, when they could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_note: Option<String>,
    pub report: Report,
    /// What is wrong, each with its fix.
    pub problems: Vec<String>,
    #[serde(skip)]
    configured: Vec<ConfiguredModel>,
    /// Where `follow` goes on from: the newest record's time, and the records seen.
    #[serde(skip)]
    last_ms: i64,
    #[serde(skip)]
    seen: HashSet<String>,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(&self.report, &self.since))?;
        f.write_str(&crate::records::render_figures(&self.report, &self.since))?;
        if let Some(note) = &self.metrics_note {
            writeln!(f, "\n{note}")?;
        }
        for object in &self.skipped {
            writeln!(f, "\nskipped, holds no records: {object}")?;
        }
        if self.problems.is_empty() && self.report.models.iter().any(|m| m.via_profile > 0) {
            writeln!(
                f,
                "\nok: every call to a configured model with a profile went through its profile ARN"
            )?;
        } else if self.report.records == 0 {
            writeln!(
                f,
                "\nno invocation records in {} in the last {}: make a request through LibreChat, or widen --since",
                self.source.shown(),
                self.since
            )?;
        }
        Ok(())
    }
}

/// Where the records are: a log group, or an S3 destination.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Source {
    #[default]
    None,
    Group(String),
    Bucket {
        bucket: String,
        prefix: String,
        account: String,
        region: String,
    },
}

impl Source {
    pub(crate) fn shown(&self) -> String {
        match self {
            Source::None => "(nowhere)".into(),
            Source::Group(g) => format!("log group {g}"),
            Source::Bucket { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Stack {
    /// The records of the last `since` (`15m`, `2h`, ...).
    pub fn verify(&self, since: &str) -> Result<VerifyReport, Error> {
        let window = parse_since(since)?;
        let (_, observed) = self.observe(None)?;
        let spec = self.spec();
        let source = self.records_source(&observed)?;
        let arns: BTreeMap<String, String> = observed
            .profiles
            .iter()
            .map(|p| (p.name.clone(), p.arn.clone()))
            .collect();
        let mut configured: Vec<ConfiguredModel> = spec
            .profiles
            .iter()
            .map(|p| ConfiguredModel {
                model: p.model.clone(),
                profile: Some(p.name.clone()),
                profile_arn: arns.get(&p.name).cloned(),
            })
            .collect();
        for m in spec.librechat_models() {
            if !configured.iter().any(|c| c.model == m) {
                configured.push(ConfiguredModel {
                    model: m,
                    profile: None,
                    profile_arn: None,
                });
            }
        }
        let env_of: BTreeMap<String, String> = spec
            .profiles
            .iter()
            .map(|p| (p.name.clone(), p.env.clone()))
            .collect();
        let since_ms = now_ms() - i64::try_from(window.as_millis()).unwrap_or(0);
        let mut skipped = Vec::new();
        let events = self.read_records(&source, since_ms, &|_| {}, &mut skipped)?;
        let records: Vec<Record> = events
            .iter()
            .filter_map(|e| Record::parse(&e.message))
            .collect();
        let mut report = classify(&records, &configured);
        let metrics_note = self.add_figures(&mut report, since_ms);
        let mut problems = problems(
            &report,
            &configured,
            &env_of,
            &self.suggest.command("doctor"),
        );
        problems.extend(self.stale_env(&arns));
        Ok(VerifyReport {
            since: since.to_string(),
            log_group: match &source {
                Source::Group(g) => g.clone(),
                _ => String::new(),
            },
            s3: match &source {
                Source::Bucket { .. } => Some(source.shown()),
                _ => None,
            },
            source,
            skipped,
            metrics_note,
            report,
            problems,
            configured,
            last_ms: events.last().map_or(since_ms, |e| e.timestamp),
            seen: events.iter().map(|e| e.id.clone()).collect(),
        })
    }

    /// Where the stack's invocation records are: its log group or bucket, or (logging left to
    /// another stack or team) what the account's logging configuration names. An error when
    /// there can be none yet.
    pub(crate) fn records_source(&self, observed: &ObservedState) -> Result<Source, Error> {
        let spec = self.spec();
        let bucket_source = |bucket: &str, prefix: Option<&str>| Source::Bucket {
            bucket: bucket.to_string(),
            prefix: prefix.unwrap_or_default().to_string(),
            account: observed.account_id.clone(),
            region: spec.stack.region.clone(),
        };
        // Where the records are: the stack's log group or bucket, or (logging left to
        // another stack or team) what the account's logging configuration names.
        Ok(if spec.logging.managed && !spec.logging.to_cloudwatch() {
            if observed
                .logging
                .as_ref()
                .and_then(|l| l.s3_destination.as_ref())
                .is_none()
            {
                return Err(Error::other(
                    format!(
                        "invocation logging to the bucket is not on in {}: Bedrock has logged no invocation there",
                        spec.stack.region
                    ),
                    format!(
                        "run `{}` first: it turns invocation logging on",
                        self.suggest.command("apply")
                    ),
                ));
            }
            bucket_source(
                &spec.bucket_name(&observed.account_id),
                Some(spec.logging.s3_prefix.trim_matches('/')),
            )
        } else if spec.logging.managed {
            if observed.log_group.is_none() {
                return Err(Error::other(
                    format!(
                        "log group {} does not exist in {}: Bedrock has logged no invocation there",
                        spec.logging.log_group, spec.stack.region
                    ),
                    format!(
                        "run `{}` first: it creates the log group and turns invocation logging on",
                        self.suggest.command("apply")
                    ),
                ));
            }
            Source::Group(spec.logging.log_group.clone())
        } else {
            let logging = observed.logging.as_ref();
            match (
                logging.and_then(|l| l.log_group.clone()),
                logging.and_then(|l| l.s3_destination.clone()),
            ) {
                (Some(group), _) => Source::Group(group),
                (None, Some(bucket)) => bucket_source(
                    &bucket,
                    logging.and_then(|l| l.s3_destination_key_prefix.as_deref()),
                ),
                (None, None) => {
                    return Err(Error::other(
                        format!(
                            "invocation logging is off in {}: there are no records to read",
                            spec.stack.region
                        ),
                        "[logging] managed = false leaves it to another stack or team: ask them to turn it on",
                    ))
                }
            }
        })
    }

    /// The `.env` LibreChat reads (in the output directory) against the live profiles: a
    /// variable that names another ARN than its profile's sends LibreChat elsewhere. Its
    /// values are not printed.
    fn stale_env(&self, live: &BTreeMap<String, String>) -> Vec<String> {
        let path = self.paths().out_dir.join(".env");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Vec::new();
        };
        self.spec()
            .profiles
            .iter()
            .filter_map(|p| {
                let arn = live.get(&p.name)?;
                let given = bedrock_generate::value_of(&text, &p.env)?;
                (given != arn).then(|| {
                    format!(
                        "{} gives {} another ARN than the live profile {} ({arn}): LibreChat calls a profile that is not this stack's\n  help: run `{}`, then restart LibreChat",
                        path.display(),
                        p.env,
                        p.name,
                        self.suggest.command("generate")
                    )
                })
            })
            .collect()
    }

    /// Each profile's CloudWatch figures over the window, into the report; what kept them
    /// from being read, for people, when they could not be (verify goes on without them).
    fn add_figures(&self, report: &mut Report, since_ms: i64) -> Option<String> {
        let profiles: Vec<(String, String)> = report
            .models
            .iter()
            .filter_map(|m| Some((m.profile.clone()?, m.profile_arn.clone()?)))
            .collect();
        if profiles.is_empty() {
            return None;
        }
        let figures = match self.runtime.block_on(bedrock_aws::profile_figures(
            &self.clients,
            &profiles,
            since_ms,
        )) {
            Ok(f) => f,
            Err(e) => return Some(format!("CloudWatch metrics not read: {e}")),
        };
        for m in &mut report.models {
            if let Some(f) = m.profile.as_ref().and_then(|p| figures.get(p)) {
                m.metrics = Some(crate::records::Figures {
                    invocations: f.invocations,
                    input_tokens: f.input_tokens,
                    output_tokens: f.output_tokens,
                    latency_ms: f.latency_ms,
                    throttles: f.throttles,
                    errors: f.errors,
                });
            }
        }
        None
    }

    /// The records of `source` at or after `since_ms`; `read` hears how many so far. Objects
    /// of an S3 destination that hold no records (not gzipped text) go to `skipped`.
    pub(crate) fn read_records(
        &self,
        source: &Source,
        since_ms: i64,
        read: &dyn Fn(usize),
        skipped: &mut Vec<String>,
    ) -> Result<Vec<bedrock_aws::LogEvent>, Error> {
        Ok(match source {
            Source::None => Vec::new(),
            Source::Group(group) => self.runtime.block_on(bedrock_aws::read_events(
                &self.clients,
                group,
                since_ms,
                read,
            ))?,
            Source::Bucket {
                bucket,
                prefix,
                account,
                region,
            } => self.runtime.block_on(bedrock_aws::read_s3_records(
                &self.clients,
                bucket,
                prefix,
                account,
                region,
                since_ms,
                read,
                skipped,
            ))?,
        })
    }

    /// After `verify`: each new record as it arrives, classified, handed to `line`, until
    /// `line` returns false. A failed read is handed on as an error line, and reading goes on.
    pub fn follow(&self, from: &VerifyReport, line: &mut dyn FnMut(Result<String, Error>) -> bool) {
        let mut since_ms = from.last_ms;
        let mut seen = from.seen.clone();
        loop {
            std::thread::sleep(Duration::from_secs(2));
            let events = match self.read_records(&from.source, since_ms, &|_| {}, &mut Vec::new()) {
                Ok(e) => e,
                Err(e) => {
                    if !line(Err(e)) {
                        return;
                    }
                    continue;
                }
            };
            for e in events {
                if !seen.insert(e.id.clone()) {
                    continue;
                }
                since_ms = since_ms.max(e.timestamp);
                if let Some(r) = Record::parse(&e.message) {
                    if !line(Ok(describe(&r, &from.configured))) {
                        return;
                    }
                }
            }
        }
    }
}

//! `verify [--since 15m] [--follow] [--json]`: the guide's "Verifying Your Configuration" and
//! "Monitoring Usage" as a command. It reads Bedrock's model invocation records and tells,
//! per configured model, how many calls went through its profile ARN (the guide's success
//! indicator) and how many used the raw model id ("mapping isn't working"), with tokens.

use crate::{Error, Stack};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

/// One invocation record, the fields verify uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub timestamp: String,
    pub operation: String,
    pub model_id: String,
    pub region: String,
    pub inference_region: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub error_code: Option<String>,
}

impl Record {
    /// A record from a log message in Bedrock's format; None for anything else.
    pub fn parse(message: &str) -> Option<Record> {
        let v: Value = serde_json::from_str(message).ok()?;
        let model_id = v.get("modelId")?.as_str()?.to_string();
        let text = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let tokens = |side: &str, k: &str| {
            v.get(side)
                .and_then(|s| s.get(k))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        Some(Record {
            timestamp: text("timestamp"),
            operation: text("operation"),
            region: text("region"),
            inference_region: text("inferenceRegion"),
            model_id,
            input_tokens: tokens("input", "inputTokenCount"),
            output_tokens: tokens("output", "outputTokenCount"),
            error_code: v
                .get("errorCode")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }
}

/// A model LibreChat is configured with, and the profile it should be called through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfiguredModel {
    pub model: String,
    /// The profile's name, for the stack's own profiles.
    pub profile: Option<String>,
    pub profile_arn: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelUsage {
    pub model: String,
    pub profile: Option<String>,
    pub profile_arn: Option<String>,
    pub via_profile: u64,
    pub raw_id: u64,
    pub errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub inference_regions: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub records: usize,
    pub models: Vec<ModelUsage>,
    /// Calls through application profile ARNs that are not this stack's.
    pub unknown_arns: BTreeMap<String, u64>,
    /// Calls to models that are not configured at all.
    pub other_models: BTreeMap<String, u64>,
}

/// Whether `model_id` (as a record has it) is the configured `model` called without its
/// profile: the id itself, or the system profile's or foundation model's ARN of it.
fn is_raw(model_id: &str, model: &str) -> bool {
    model_id == model
        || model_id.ends_with(&format!(":inference-profile/{model}"))
        || model_id.ends_with(&format!(":foundation-model/{model}"))
}

/// Classify every record.
pub fn classify(records: &[Record], configured: &[ConfiguredModel]) -> Report {
    let mut report = Report {
        records: records.len(),
        models: configured
            .iter()
            .map(|c| ModelUsage {
                model: c.model.clone(),
                profile: c.profile.clone(),
                profile_arn: c.profile_arn.clone(),
                ..ModelUsage::default()
            })
            .collect(),
        ..Report::default()
    };
    for r in records {
        let through = report
            .models
            .iter()
            .position(|m| m.profile_arn.as_deref() == Some(r.model_id.as_str()));
        let raw = report
            .models
            .iter()
            .position(|m| is_raw(&r.model_id, &m.model));
        let usage = match (through, raw) {
            (Some(i), _) => {
                report.models[i].via_profile += 1;
                &mut report.models[i]
            }
            (None, Some(i)) => {
                report.models[i].raw_id += 1;
                &mut report.models[i]
            }
            (None, None) if r.model_id.contains(":application-inference-profile/") => {
                *report.unknown_arns.entry(r.model_id.clone()).or_default() += 1;
                continue;
            }
            (None, None) => {
                *report.other_models.entry(r.model_id.clone()).or_default() += 1;
                continue;
            }
        };
        usage.input_tokens += r.input_tokens;
        usage.output_tokens += r.output_tokens;
        usage.errors += u64::from(r.error_code.is_some());
        if !r.inference_region.is_empty() {
            *usage
                .inference_regions
                .entry(r.inference_region.clone())
                .or_default() += 1;
        }
    }
    report
}

/// `15m`, `2h`, `1d`, `30s`, `90` (seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number.parse().ok()?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return None,
    };
    Some(Duration::from_secs(seconds))
}

/// `--since`'s value, or what is wrong with it.
pub fn parse_since(since: &str) -> Result<Duration, Error> {
    parse_duration(since).ok_or_else(|| {
        Error::other(
            format!("--since {since:?} is not a duration"),
            "write a number with s, m, h or d, e.g. --since 15m",
        )
    })
}

/// The report for people.
pub fn render(report: &Report, since: &str) -> String {
    let mut out = format!(
        "Invocation records in the last {since}: {}\n\n",
        report.records
    );
    out.push_str(&format!(
        "{:<48} {:<30} {:>11} {:>7} {:>7} {:>9} {:>10}  {}\n",
        "model",
        "profile",
        "via profile",
        "raw id",
        "errors",
        "tokens in",
        "tokens out",
        "inference regions"
    ));
    for m in &report.models {
        let regions: Vec<String> = m
            .inference_regions
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        out.push_str(&format!(
            "{:<48} {:<30} {:>11} {:>7} {:>7} {:>9} {:>10}  {}\n",
            m.model,
            m.profile.as_deref().unwrap_or("(none)"),
            m.via_profile,
            m.raw_id,
            m.errors,
            m.input_tokens,
            m.output_tokens,
            regions.join(", ")
        ));
    }
    for (arn, n) in &report.unknown_arns {
        out.push_str(&format!("\nnot this stack's profile: {arn} ({n} calls)"));
    }
    for (model, n) in &report.other_models {
        out.push_str(&format!("\nnot configured: {model} ({n} calls)"));
    }
    if !report.unknown_arns.is_empty() || !report.other_models.is_empty() {
        out.push('\n');
    }
    out
}

/// The problems the report shows, each with its fix.
pub fn problems(
    report: &Report,
    configured: &[ConfiguredModel],
    env_of: &BTreeMap<String, String>,
    doctor: &str,
) -> Vec<String> {
    report
        .models
        .iter()
        .filter(|m| m.raw_id > 0 && m.profile_arn.is_some())
        .map(|m| {
            let var = configured
                .iter()
                .find(|c| c.model == m.model)
                .and_then(|c| c.profile.as_ref())
                .and_then(|p| env_of.get(p))
                .map_or_else(String::new, |v| format!(", that {v} is set in LibreChat's .env"));
            format!(
                "{} was called {} time{} by its raw id, not through its profile {}: the guide's \"mapping isn't working\"\n  help: check that \"{}\" is in endpoints.bedrock.models and is a key of inferenceProfiles, spelled exactly (case included){var}, then restart LibreChat; `{doctor}` checks all of it",
                m.model,
                m.raw_id,
                if m.raw_id == 1 { "" } else { "s" },
                m.profile_arn.as_deref().unwrap_or_default(),
                m.model
            )
        })
        .collect()
}

/// `verify`: the invocation records of a window, classified per configured model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    pub since: String,
    pub log_group: String,
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
        if self.problems.is_empty() && self.report.models.iter().any(|m| m.via_profile > 0) {
            writeln!(
                f,
                "\nok: every call to a configured model with a profile went through its profile ARN"
            )?;
        } else if self.report.records == 0 {
            writeln!(
                f,
                "\nno invocation records in {} in the last {}: make a request through LibreChat, or widen --since",
                self.log_group, self.since
            )?;
        }
        Ok(())
    }
}

fn now_ms() -> i64 {
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
        // The log group the records are in: the stack's, or (logging left to another stack
        // or team) the one the account's logging configuration names.
        let group = if spec.logging.managed {
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
            spec.logging.log_group.clone()
        } else {
            match observed.logging.as_ref().and_then(|l| l.log_group.clone()) {
                Some(group) => group,
                None => {
                    return Err(Error::other(
                        format!(
                            "invocation logging to CloudWatch Logs is off in {}: there are no records to read",
                            spec.stack.region
                        ),
                        "[logging] managed = false leaves it to another stack or team: ask them to turn it on",
                    ))
                }
            }
        };
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
        let events = self.read_events(&group, since_ms)?;
        let records: Vec<Record> = events
            .iter()
            .filter_map(|e| Record::parse(&e.message))
            .collect();
        let report = classify(&records, &configured);
        let mut problems = problems(
            &report,
            &configured,
            &env_of,
            &self.suggest.command("doctor"),
        );
        problems.extend(self.stale_env(&arns));
        Ok(VerifyReport {
            since: since.to_string(),
            log_group: group,
            report,
            problems,
            configured,
            last_ms: events.last().map_or(since_ms, |e| e.timestamp),
            seen: events.iter().map(|e| e.id.clone()).collect(),
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

    fn read_events(&self, group: &str, since_ms: i64) -> Result<Vec<bedrock_aws::LogEvent>, Error> {
        Ok(self
            .runtime
            .block_on(bedrock_aws::read_events(&self.clients, group, since_ms))?)
    }

    /// After `verify`: each new record as it arrives, classified, handed to `line`, until
    /// `line` returns false. A failed read is handed on as an error line, and reading goes on.
    pub fn follow(&self, from: &VerifyReport, line: &mut dyn FnMut(Result<String, Error>) -> bool) {
        let mut since_ms = from.last_ms;
        let mut seen = from.seen.clone();
        loop {
            std::thread::sleep(Duration::from_secs(2));
            let events = match self.read_events(&from.log_group, since_ms) {
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

/// One record as `follow` prints it.
fn describe(r: &Record, configured: &[ConfiguredModel]) -> String {
    let one = classify(std::slice::from_ref(r), configured);
    let verdict = if let Some(m) = one.models.iter().find(|m| m.via_profile > 0) {
        format!("via profile {}", m.profile.as_deref().unwrap_or("?"))
    } else if let Some(m) = one.models.iter().find(|m| m.raw_id > 0) {
        if m.profile_arn.is_some() {
            format!("RAW ID of {} (its profile was not used)", m.model)
        } else {
            format!("{} (no profile configured)", m.model)
        }
    } else if !one.unknown_arns.is_empty() {
        "through a profile that is not this stack's".to_string()
    } else {
        "a model that is not configured".to_string()
    };
    format!(
        "{} {} {} -> {}  (in {}, out {} tokens, {})",
        r.timestamp,
        r.operation,
        r.model_id,
        verdict,
        r.input_tokens,
        r.output_tokens,
        r.inference_region
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(model_id: &str) -> Record {
        Record {
            timestamp: "2026-01-16T16:56:15Z".into(),
            operation: "ConverseStream".into(),
            model_id: model_id.into(),
            region: "us-east-1".into(),
            inference_region: "us-west-2".into(),
            input_tokens: 10,
            output_tokens: 5,
            error_code: None,
        }
    }

    #[test]
    fn profile_raw_unknown_and_other_calls_are_told_apart() {
        let configured = vec![
            ConfiguredModel {
                model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
                profile: Some("Claude".into()),
                profile_arn: Some(
                    "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc".into(),
                ),
            },
            ConfiguredModel {
                model: "us.amazon.nova-pro-v1:0".into(),
                profile: None,
                profile_arn: None,
            },
        ];
        let records = vec![
            record("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc"),
            record("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc"),
            record("us.anthropic.claude-3-7-sonnet-20250219-v1:0"),
            record("arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0"),
            record("us.amazon.nova-pro-v1:0"),
            record("arn:aws:bedrock:us-east-1:1:application-inference-profile/zzz"),
            record("meta.llama3-1-8b-instruct-v1:0"),
        ];
        let report = classify(&records, &configured);
        assert_eq!(
            (report.models[0].via_profile, report.models[0].raw_id),
            (2, 2)
        );
        assert_eq!(report.models[0].input_tokens, 40);
        assert_eq!(report.models[0].inference_regions["us-west-2"], 4);
        assert_eq!(
            (report.models[1].via_profile, report.models[1].raw_id),
            (0, 1)
        );
        assert_eq!(report.unknown_arns.len(), 1);
        assert_eq!(report.other_models.len(), 1);
        let env = BTreeMap::from([("Claude".to_string(), "BEDROCK_CLAUDE".to_string())]);
        let problems = problems(&report, &configured, &env, "cargo xtask doctor");
        assert_eq!(
            problems.len(),
            1,
            "only the model with a profile is a problem: {problems:?}"
        );
        assert!(problems[0].contains("BEDROCK_CLAUDE"), "{}", problems[0]);
    }

    #[test]
    fn parses_bedrock_records_and_durations() {
        let r = Record::parse(r#"{"schemaType":"ModelInvocationLog","timestamp":"2026-01-16T16:56:15Z","region":"us-east-1","operation":"ConverseStream","modelId":"arn:x","inferenceRegion":"us-west-2","input":{"inputTokenCount":12},"output":{"outputTokenCount":3}}"#).unwrap();
        assert_eq!(
            (r.input_tokens, r.output_tokens, r.inference_region.as_str()),
            (12, 3, "us-west-2")
        );
        assert!(Record::parse("not json").is_none());
        assert!(Record::parse("{}").is_none());
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("fortnight"), None);
    }
}

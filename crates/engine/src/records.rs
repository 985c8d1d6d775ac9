//! The invocation records `verify` reads, and what it makes of them: each record parsed,
//! classified per configured model (through its profile, by raw id, elsewhere), and the
//! report rendered with its problems. Pure: no AWS here.

use crate::Error;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
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
    /// What CloudWatch's `AWS/Bedrock` metrics say of the profile over the same window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Figures>,
}

/// A profile's CloudWatch figures over the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub invocations: f64,
    pub input_tokens: f64,
    pub output_tokens: f64,
    pub latency_ms: Option<f64>,
    pub throttles: f64,
    pub errors: f64,
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
    let unit: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(unit).map(Duration::from_secs)
}

/// `--since`'s value, or what is wrong with it: a window that holds no time, or reaches
/// back before 1970, is not one a record can be in.
pub fn parse_since(since: &str) -> Result<Duration, Error> {
    let how = "write a number with s, m, h or d, e.g. --since 15m";
    let bare = since.trim();
    if !bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::other(
            format!("--since {since:?} has no unit: seconds, minutes, hours or days?"),
            format!("write it with its unit: --since {bare}s, {bare}m, {bare}h or {bare}d"),
        ));
    }
    let window = parse_duration(since)
        .ok_or_else(|| Error::other(format!("--since {since:?} is not a duration"), how))?;
    if window.is_zero() {
        return Err(Error::other(
            format!("--since {since:?} is an empty window: no record can be in it"),
            how,
        ));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    if window > now {
        return Err(Error::other(
            format!("--since {since:?} reaches back before 1970"),
            how,
        ));
    }
    Ok(window)
}

/// The report for people.
/// The metric figures of the profiles, as a second table (empty when none was read).
pub fn render_figures(report: &Report, since: &str) -> String {
    let rows: Vec<(&str, &Figures)> = report
        .models
        .iter()
        .filter_map(|m| Some((m.profile.as_deref()?, m.metrics.as_ref()?)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nCloudWatch metrics (AWS/Bedrock) in the last {since}:\n{:<30} {:>11} {:>9} {:>10} {:>10} {:>9} {:>7}\n",
        "profile", "invocations", "tokens in", "tokens out", "latency ms", "throttles", "errors"
    );
    for (profile, f) in rows {
        out.push_str(&format!(
            "{:<30} {:>11} {:>9} {:>10} {:>10} {:>9} {:>7}\n",
            profile,
            f.invocations,
            f.input_tokens,
            f.output_tokens,
            f.latency_ms.map_or("-".to_string(), |l| format!("{l:.0}")),
            f.throttles,
            f.errors
        ));
    }
    out
}

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

/// One record as `follow` prints it.
pub(crate) fn describe(r: &Record, configured: &[ConfiguredModel]) -> String {
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
        assert_eq!(parse_duration("99999999999999999d"), None);
        assert!(parse_since("1d").is_ok());
        for refused in ["0s", "0", "7", "99999999999999999d", "100000d", "soon"] {
            assert!(parse_since(refused).is_err(), "{refused}");
        }
    }
}

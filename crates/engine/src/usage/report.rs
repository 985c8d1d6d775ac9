//! What `usage` makes of the invocation records, without AWS: each record's caller, model,
//! profile, day, tokens and request metadata; the records grouped by one of them; and each
//! group's estimated cost from a price table.

use super::prices::{PriceTable, Scope};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Geography prefixes of system-defined cross-region profiles (`us.`, `global.`, ...).
const GEOGRAPHIES: &[&str] = &["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"];

/// One invocation record, the fields `usage` sums and groups by.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageRecord {
    /// `YYYY-MM-DD` of the record's timestamp (UTC).
    pub day: String,
    /// What the caller named: a profile ARN, a system profile id or ARN, a model id or ARN.
    pub model_id: String,
    /// The Region the call was made in.
    pub region: String,
    /// The caller (`identity.arn`); an assumed role's session name is left out.
    pub principal: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub error: bool,
    /// `requestMetadata`, as the caller set it on Converse.
    pub metadata: BTreeMap<String, String>,
}

impl UsageRecord {
    /// A record from a log message in Bedrock's format; None for anything else.
    pub fn parse(message: &str) -> Option<UsageRecord> {
        let v: Value = serde_json::from_str(message).ok()?;
        let model_id = v.get("modelId")?.as_str()?.to_string();
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        let count = |side: &str, k: &str| {
            v.get(side)
                .and_then(|s| s.get(k))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        let metadata = v
            .get("requestMetadata")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let timestamp = text("timestamp");
        Some(UsageRecord {
            day: timestamp.get(..10).unwrap_or("unknown").to_string(),
            region: text("region").to_string(),
            principal: principal(
                v.pointer("/identity/arn")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown"),
            ),
            input_tokens: count("input", "inputTokenCount"),
            output_tokens: count("output", "outputTokenCount"),
            cache_read_tokens: count("input", "cacheReadInputTokenCount"),
            cache_write_tokens: count("input", "cacheWriteInputTokenCount"),
            error: v.get("errorCode").is_some_and(|e| !e.is_null()),
            model_id,
            metadata,
        })
    }
}

/// The caller to group by: an assumed role's ARN without its session name (each ECS task or
/// pod has its own), anything else as it is.
fn principal(arn: &str) -> String {
    match arn.split_once(":assumed-role/") {
        Some((head, rest)) => {
            let role = rest.split('/').next().unwrap_or(rest);
            format!("{head}:assumed-role/{role}")
        }
        None => arn.to_string(),
    }
}

/// One of the stack's profiles, as the records name it.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownProfile {
    pub name: String,
    pub arn: String,
    /// What the profile copies: a model id or a system profile id (`us.anthropic...`).
    pub model: String,
}

/// What a record's `modelId` resolves to: the stack's profile it went through (if any), the
/// foundation model, and how it was routed (for the price).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub profile: Option<String>,
    pub model: String,
    pub scope: Scope,
}

/// Resolve `model_id` against the stack's profiles.
pub fn resolve(model_id: &str, profiles: &[KnownProfile]) -> Resolved {
    let (profile, target) = match profiles.iter().find(|p| p.arn == model_id) {
        Some(p) => (Some(p.name.clone()), p.model.as_str()),
        None => (None, model_id),
    };
    // An ARN's resource part: `foundation-model/ID`, `inference-profile/ID`, ...
    let id = target.rsplit_once('/').map_or(target, |(_, id)| id);
    match id.split_once('.') {
        Some((geo, model)) if GEOGRAPHIES.contains(&geo) => Resolved {
            profile,
            model: model.to_string(),
            scope: if geo == "global" {
                Scope::Global
            } else {
                Scope::Geographic
            },
        },
        _ => Resolved {
            profile,
            model: id.to_string(),
            scope: Scope::InRegion,
        },
    }
}

/// What the records are grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    Profile,
    Model,
    Principal,
    Day,
    /// A `requestMetadata` key.
    Metadata(String),
}

impl By {
    /// `--by`'s value: `profile`, `model`, `principal`, `day` or `metadata:KEY`.
    pub fn parse(text: &str) -> Result<By, String> {
        Ok(match text {
            "profile" => By::Profile,
            "model" => By::Model,
            "principal" => By::Principal,
            "day" => By::Day,
            other => match other.strip_prefix("metadata:") {
                Some(key) if !key.is_empty() => By::Metadata(key.to_string()),
                _ => {
                    return Err(format!(
                        "--by {other:?} is not a grouping: use profile, model, principal, day or metadata:KEY (a requestMetadata key)"
                    ))
                }
            },
        })
    }

    /// How the column is headed.
    pub fn heading(&self) -> String {
        match self {
            By::Profile => "profile".into(),
            By::Model => "model".into(),
            By::Principal => "principal".into(),
            By::Day => "day".into(),
            By::Metadata(key) => format!("metadata:{key}"),
        }
    }
}

/// The sums of one group (or of all records).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub calls: u64,
    pub errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    /// The estimated cost of the calls the price table prices, in USD.
    pub cost_usd: f64,
    /// Calls of a model the price table has no price for: not in `cost_usd`.
    pub unpriced_calls: u64,
}

impl Totals {
    fn add(&mut self, r: &UsageRecord, cost: Option<f64>) {
        self.calls += 1;
        self.errors += u64::from(r.error);
        self.input_tokens += r.input_tokens;
        self.output_tokens += r.output_tokens;
        self.cache_read_tokens += r.cache_read_tokens;
        self.cache_write_tokens += r.cache_write_tokens;
        match cost {
            Some(c) => self.cost_usd += c,
            None => self.unpriced_calls += 1,
        }
    }

    /// Every token of the group: input, output and both cache counts.
    pub fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens
    }
}

/// One group: its key and its sums.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: String,
    #[serde(flatten)]
    pub totals: Totals,
}

/// The records grouped and priced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grouped {
    pub by: String,
    pub groups: Vec<Group>,
    pub total: Totals,
    /// Models with calls and no price, with where they were called.
    pub unpriced: BTreeMap<String, u64>,
}

/// Group `records` by `by`, each priced from `prices`. Groups come in key order (days in
/// time order), the "(not set)" group of a metadata key last.
pub fn group(
    records: &[UsageRecord],
    by: &By,
    profiles: &[KnownProfile],
    prices: &PriceTable,
) -> Grouped {
    let mut groups: BTreeMap<String, Totals> = BTreeMap::new();
    let mut total = Totals::default();
    let mut unpriced = BTreeMap::new();
    for r in records {
        let resolved = resolve(&r.model_id, profiles);
        let cost = prices.cost(&resolved.model, &r.region, resolved.scope, r);
        if cost.is_none() {
            *unpriced
                .entry(format!("{} in {}", resolved.model, r.region))
                .or_insert(0) += 1;
        }
        let key = match by {
            By::Profile => resolved
                .profile
                .clone()
                .unwrap_or_else(|| "(no profile of this stack)".into()),
            By::Model => resolved.model.clone(),
            By::Principal => r.principal.clone(),
            By::Day => r.day.clone(),
            By::Metadata(k) => r.metadata.get(k).cloned().unwrap_or_else(|| NOT_SET.into()),
        };
        groups.entry(key).or_default().add(r, cost);
        total.add(r, cost);
    }
    let mut groups: Vec<Group> = groups
        .into_iter()
        .map(|(key, totals)| Group { key, totals })
        .collect();
    if let Some(i) = groups.iter().position(|g| g.key == NOT_SET) {
        let not_set = groups.remove(i);
        groups.push(not_set);
    }
    Grouped {
        by: by.heading(),
        groups,
        total,
        unpriced,
    }
}

/// The group of records without the metadata key.
pub const NOT_SET: &str = "(not set)";

#[cfg(test)]
mod tests {
    use super::*;

    fn record(model_id: &str, input: u64, output: u64) -> UsageRecord {
        UsageRecord {
            day: "2026-12-01".into(),
            model_id: model_id.into(),
            region: "us-east-1".into(),
            principal: "arn:aws:sts::1:assumed-role/R".into(),
            input_tokens: input,
            output_tokens: output,
            ..UsageRecord::default()
        }
    }

    #[test]
    fn a_record_is_read_with_its_cache_counts_metadata_and_caller() {
        let r = UsageRecord::parse(
            r#"{"timestamp":"2026-12-01T10:00:00Z","identity":{"arn":"arn:aws:sts::123456789012:assumed-role/LibreChat/task-9"},"region":"us-east-1","modelId":"us.amazon.nova-pro-v1:0","input":{"inputTokenCount":10,"cacheReadInputTokenCount":4,"cacheWriteInputTokenCount":2},"output":{"outputTokenCount":7},"requestMetadata":{"team":"blue"}}"#,
        )
        .unwrap();
        assert_eq!(r.day, "2026-12-01");
        assert_eq!(
            r.principal,
            "arn:aws:sts::123456789012:assumed-role/LibreChat"
        );
        assert_eq!(
            (
                r.input_tokens,
                r.output_tokens,
                r.cache_read_tokens,
                r.cache_write_tokens
            ),
            (10, 7, 4, 2)
        );
        assert_eq!(r.metadata.get("team").map(String::as_str), Some("blue"));
        assert!(!r.error);
        let failed =
            UsageRecord::parse(r#"{"modelId":"m","errorCode":"ThrottlingException"}"#).unwrap();
        assert!(failed.error);
        assert_eq!(failed.day, "unknown");
        assert!(UsageRecord::parse("not json").is_none());
        assert!(UsageRecord::parse(r#"{"other":1}"#).is_none());
    }

    #[test]
    fn a_model_id_resolves_to_its_profile_model_and_routing() {
        let profiles = [KnownProfile {
            name: "sonnet".into(),
            arn: "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc".into(),
            model: "global.anthropic.claude-sonnet-4-5-20250929-v1:0".into(),
        }];
        let through = resolve(&profiles[0].arn, &profiles);
        assert_eq!(through.profile.as_deref(), Some("sonnet"));
        assert_eq!(through.model, "anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert_eq!(through.scope, Scope::Global);
        let geo = resolve(
            "arn:aws:bedrock:us-east-1:1:inference-profile/us.amazon.nova-pro-v1:0",
            &profiles,
        );
        assert_eq!(
            (geo.profile, geo.model.as_str(), geo.scope),
            (None, "amazon.nova-pro-v1:0", Scope::Geographic)
        );
        let raw = resolve("amazon.nova-pro-v1:0", &profiles);
        assert_eq!(
            (raw.model.as_str(), raw.scope),
            ("amazon.nova-pro-v1:0", Scope::InRegion)
        );
    }

    #[test]
    fn groups_sum_their_records_and_the_unset_metadata_group_comes_last() {
        let prices = PriceTable::parse(
            "source = \"test\"\ndate = \"2026-12-01\"\n[[price]]\nmodel = \"m\"\nregions = [\"*\"]\ninput = 1.0\noutput = 2.0\n",
            "test",
        )
        .unwrap();
        let mut a = record("m", 1_000_000, 500_000);
        a.metadata.insert("team".into(), "zeta".into());
        let b = record("m", 1_000_000, 0);
        let c = record("unknown-model", 5, 5);
        let grouped = group(&[a, b, c], &By::Metadata("team".into()), &[], &prices);
        let keys: Vec<&str> = grouped.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["zeta", NOT_SET]);
        assert_eq!(grouped.groups[0].totals.cost_usd, 2.0);
        assert_eq!(grouped.groups[1].totals.cost_usd, 1.0);
        assert_eq!(grouped.groups[1].totals.unpriced_calls, 1);
        assert_eq!(grouped.total.calls, 3);
        assert_eq!(grouped.total.input_tokens, 2_000_005);
        assert_eq!(grouped.unpriced.get("unknown-model in us-east-1"), Some(&1));
    }

    #[test]
    fn by_is_parsed_or_refused_with_the_choices() {
        assert_eq!(
            By::parse("metadata:team").unwrap(),
            By::Metadata("team".into())
        );
        assert_eq!(By::parse("day").unwrap(), By::Day);
        for bad in ["metadata:", "week", ""] {
            assert!(
                By::parse(bad).unwrap_err().contains("metadata:KEY"),
                "{bad}"
            );
        }
    }
}

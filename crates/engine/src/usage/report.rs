//! What `usage` makes of the invocation records, without AWS: each record's caller, model,
//! profile, day, tokens and request metadata; the records grouped by one of them; and each
//! group's estimated cost from a price table.

use super::prices::{PriceTable, Priced, Scope, GEOGRAPHIES};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

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

/// An application profile of the region, as the records name it (its ARN), and what it
/// routes to as it stands: the foundation model and how.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownProfile {
    /// How the report names it: the stack's profiles by name, another's with a mark.
    pub name: String,
    pub arn: String,
    pub model: String,
    pub scope: Scope,
}

impl KnownProfile {
    /// A profile from its name, ARN and the foundation-model ARNs it routes to: a
    /// Region-less ARN means a global profile, several Regions a geographic one.
    pub fn routing(name: String, arn: String, models: &[String]) -> KnownProfile {
        let model = models
            .first()
            .map(|m| {
                m.rsplit_once('/')
                    .map_or(m.as_str(), |(_, id)| id)
                    .to_string()
            })
            .unwrap_or_default();
        let region = |m: &String| m.split(':').nth(3).unwrap_or_default().to_string();
        let regions: std::collections::BTreeSet<String> = models.iter().map(region).collect();
        let scope = if regions.contains("") {
            Scope::Global
        } else if regions.len() > 1 {
            Scope::Geographic
        } else {
            Scope::InRegion
        };
        KnownProfile {
            name,
            arn,
            model,
            scope,
        }
    }
}

/// What a record's `modelId` resolves to: the profile it went through (if any), the
/// foundation model, and how it was routed (for the price).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub profile: Option<String>,
    pub model: String,
    pub scope: Scope,
}

/// Resolve `model_id` against the region's application profiles.
pub fn resolve(model_id: &str, profiles: &[KnownProfile]) -> Resolved {
    if let Some(p) = profiles.iter().find(|p| p.arn == model_id) {
        return Resolved {
            profile: Some(p.name.clone()),
            model: p.model.clone(),
            scope: p.scope,
        };
    }
    // An ARN's resource part: `foundation-model/ID`, `inference-profile/ID`, ...
    let (kind, id) = model_id
        .rsplit_once('/')
        .map_or(("", model_id), |(head, id)| {
            (head.rsplit(':').next().unwrap_or(""), id)
        });
    if kind == "application-inference-profile" {
        // A profile no longer there (replaced or deleted): what it routed to is not known.
        return Resolved {
            profile: Some(format!("(profile {id}, no longer there)")),
            model: format!("(unknown: profile {id} no longer exists)"),
            scope: Scope::InRegion,
        };
    }
    match id.split_once('.') {
        Some((geo, model)) if GEOGRAPHIES.contains(&geo) => Resolved {
            profile: None,
            model: model.to_string(),
            scope: if geo == "global" {
                Scope::Global
            } else {
                Scope::Geographic
            },
        },
        _ => Resolved {
            profile: None,
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
    /// The estimated cost of what the price table prices, in USD.
    pub cost_usd: f64,
    /// Calls of which something had no price (the model there, or its cache reads or
    /// writes): that part is not in `cost_usd`.
    pub unpriced_calls: u64,
}

impl Totals {
    /// Counts saturate: a record claiming absurd token counts cannot wrap a sum.
    fn add(&mut self, r: &UsageRecord, cost: &Priced) {
        self.calls = self.calls.saturating_add(1);
        self.errors = self.errors.saturating_add(u64::from(r.error));
        self.input_tokens = self.input_tokens.saturating_add(r.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(r.output_tokens);
        self.cache_read_tokens = self.cache_read_tokens.saturating_add(r.cache_read_tokens);
        self.cache_write_tokens = self.cache_write_tokens.saturating_add(r.cache_write_tokens);
        self.cost_usd += cost.usd;
        if cost.missing.is_some() {
            self.unpriced_calls = self.unpriced_calls.saturating_add(1);
        }
    }

    /// Every token of the group: input, output and both cache counts.
    pub fn tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_read_tokens)
            .saturating_add(self.cache_write_tokens)
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
    /// What had no price (a model in a Region, or its cache reads or writes), with how many
    /// calls: not in the costs.
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
        if let Some(what) = &cost.missing {
            *unpriced.entry(what.clone()).or_insert(0) += 1;
        }
        let key = match by {
            By::Profile => resolved
                .profile
                .clone()
                .unwrap_or_else(|| "(no profile: a model or system profile id)".into()),
            By::Model => resolved.model.clone(),
            By::Principal => r.principal.clone(),
            By::Day => r.day.clone(),
            By::Metadata(k) => r.metadata.get(k).cloned().unwrap_or_else(|| NOT_SET.into()),
        };
        groups.entry(key).or_default().add(r, &cost);
        total.add(r, &cost);
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
        let profiles = [KnownProfile::routing(
            "sonnet".into(),
            "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc".into(),
            &[
                "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0".into(),
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0".into(),
            ],
        )];
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
        let gone = resolve(
            "arn:aws:bedrock:us-east-1:1:application-inference-profile/old",
            &profiles,
        );
        assert_eq!(
            gone.profile.as_deref(),
            Some("(profile old, no longer there)")
        );
        assert!(gone.model.contains("no longer exists"), "{gone:?}");
        let two_regions = KnownProfile::routing(
            "p".into(),
            "a".into(),
            &[
                "arn:aws:bedrock:us-east-1::foundation-model/m".into(),
                "arn:aws:bedrock:us-west-2::foundation-model/m".into(),
            ],
        );
        assert_eq!(
            (two_regions.model.as_str(), two_regions.scope),
            ("m", Scope::Geographic)
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

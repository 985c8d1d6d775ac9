//! Which of Bedrock's quotas bound a profile, from their names, without AWS. Service Quotas
//! names Bedrock's per-model quotas "<kind> <metric> for <Provider> <Model>[ V<n>]":
//! "Cross-region model inference tokens per minute for Anthropic Claude 3.7 Sonnet V1",
//! "On-demand InvokeModel tokens per minute for Amazon Nova Pro", "Global cross-Region model
//! inference tokens per minute for Anthropic Claude Sonnet 4.5 V1", "InvokeModel requests per
//! minute for ..." (every routing). The codes are not documented and differ per model, so
//! the names are what is read: a profile's routing and its model's catalog names select them.

use bedrock_aws::{LiveQuota, ModelNames};
use serde::{Deserialize, Serialize};

/// How a profile's calls are served, which decides its quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// The model itself in the stack's region.
    OnDemand,
    /// A geographic cross-Region profile (`us.`, `eu.`, ...).
    CrossRegion,
    /// A global cross-Region profile (`global.`).
    Global,
}

impl Routing {
    pub fn shown(self) -> &'static str {
        match self {
            Routing::OnDemand => "on-demand",
            Routing::CrossRegion => "cross-region",
            Routing::Global => "global",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    TokensPerMinute,
    RequestsPerMinute,
    TokensPerDay,
}

impl Metric {
    pub fn unit(self) -> &'static str {
        match self {
            Metric::TokensPerMinute => "tokens/min",
            Metric::RequestsPerMinute => "requests/min",
            Metric::TokensPerDay => "tokens/day",
        }
    }
}

/// A quota's routing (None: every routing), metric and subject (`Anthropic Claude ...`);
/// None for a quota that is not a per-model inference rate (batch, provisioned, mantle).
pub fn classify(name: &str) -> Option<(Option<Routing>, Metric, &str)> {
    let lower = name.to_ascii_lowercase();
    let (head, _) = lower.rsplit_once(" for ")?;
    let subject = &name[head.len() + " for ".len()..];
    if ["batch", "provisioned", "mantle", "custom", "imported"]
        .iter()
        .any(|w| head.contains(w))
    {
        return None;
    }
    let metric = if head.ends_with("tokens per minute") {
        Metric::TokensPerMinute
    } else if head.ends_with("requests per minute") {
        Metric::RequestsPerMinute
    } else if head.ends_with("tokens per day") {
        Metric::TokensPerDay
    } else {
        return None;
    };
    let routing = if head.contains("global cross-region") {
        Some(Routing::Global)
    } else if head.contains("cross-region") {
        Some(Routing::CrossRegion)
    } else if head.contains("on-demand") {
        Some(Routing::OnDemand)
    } else if head.contains("invokemodel") || head.contains("model invocation") {
        None
    } else {
        return None;
    };
    Some((routing, metric, subject))
}

fn letters(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a quota's subject names `model`: its provider and name, with the version its id
/// carries (`-v2:0` is "V2") or none.
pub fn names_model(subject: &str, model: &ModelNames) -> bool {
    let base = letters(&format!("{} {}", model.provider, model.name));
    let subject = letters(subject);
    let version = model
        .id
        .rsplit_once("-v")
        .and_then(|(_, v)| v.split(':').next())
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
        .map(|v| format!("v{v}"));
    subject == base
        || version.is_some_and(|v| !base.ends_with(&v) && subject == format!("{base}{v}"))
}

/// One quota that bounds a profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bound {
    pub code: String,
    pub name: String,
    pub metric: Metric,
    pub value: f64,
    pub adjustable: bool,
}

/// What a model asks of the token quotas (models.toml).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Demand {
    pub id: String,
    /// Its longest answer, in tokens: what Bedrock reserves when a request sets no maxTokens.
    pub max_output: u64,
    /// Quota tokens one output token consumes.
    pub burndown: u64,
}

#[derive(Deserialize)]
struct DemandFile {
    model: Vec<Demand>,
}

/// The table of models.toml.
pub fn demands() -> Vec<Demand> {
    toml::from_str::<DemandFile>(include_str!("models.toml"))
        .expect("quotas/models.toml parses")
        .model
}

/// The quotas that bound one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileQuotas {
    pub profile: String,
    /// The foundation model behind it.
    pub model: String,
    /// Its provider and name as the catalog gives them, when the region lists the model.
    pub model_name: Option<String>,
    pub routing: Routing,
    pub quotas: Vec<Bound>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand: Option<Demand>,
}

impl ProfileQuotas {
    pub fn value(&self, metric: Metric) -> Option<&Bound> {
        self.quotas.iter().find(|q| q.metric == metric)
    }
}

/// A profile's routing and foundation model, from what it copies (`us.anthropic...`, an ARN,
/// a model id).
pub fn routing_of(model: &str) -> (Routing, String) {
    let id = model.rsplit_once('/').map_or(model, |(_, id)| id);
    match id.split_once('.') {
        Some(("global", base)) => (Routing::Global, base.to_string()),
        Some((geo, base)) if ["us", "eu", "apac", "jp", "au", "ca", "us-gov"].contains(&geo) => {
            (Routing::CrossRegion, base.to_string())
        }
        _ => (Routing::OnDemand, id.to_string()),
    }
}

/// Each profile (name, what it copies) with the quotas that bound it.
pub fn bounds(
    profiles: &[(String, String)],
    quotas: &[LiveQuota],
    models: &[ModelNames],
    demands: &[Demand],
) -> Vec<ProfileQuotas> {
    profiles
        .iter()
        .map(|(profile, copies)| {
            let (routing, model) = routing_of(copies);
            let names = models.iter().find(|m| m.id == model);
            let mut found: Vec<Bound> = names
                .map(|names| {
                    quotas
                        .iter()
                        .filter_map(|q| {
                            let (r, metric, subject) = classify(&q.name)?;
                            (r.is_none_or(|r| r == routing) && names_model(subject, names)).then(
                                || Bound {
                                    code: q.code.clone(),
                                    name: q.name.clone(),
                                    metric,
                                    value: q.value,
                                    adjustable: q.adjustable,
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.sort_by(|a, b| (a.metric, &a.code).cmp(&(b.metric, &b.code)));
            ProfileQuotas {
                profile: profile.clone(),
                model_name: names.map(|n| format!("{} {}", n.provider, n.name)),
                demand: demands.iter().find(|d| d.id == model).cloned(),
                model,
                routing,
                quotas: found,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(id: &str, provider: &str, name: &str) -> ModelNames {
        ModelNames {
            id: id.into(),
            provider: provider.into(),
            name: name.into(),
        }
    }

    #[test]
    fn quota_names_are_read_as_aws_writes_them() {
        assert_eq!(
            classify(
                "Cross-region model inference tokens per minute for Anthropic Claude 3.7 Sonnet V1"
            ),
            Some((
                Some(Routing::CrossRegion),
                Metric::TokensPerMinute,
                "Anthropic Claude 3.7 Sonnet V1"
            ))
        );
        assert_eq!(
            classify("Global cross-Region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1"),
            Some((Some(Routing::Global), Metric::RequestsPerMinute, "Anthropic Claude Sonnet 4.5 V1"))
        );
        assert_eq!(
            classify("On-demand InvokeModel tokens per minute for Amazon Nova Pro").map(|c| c.0),
            Some(Some(Routing::OnDemand))
        );
        assert_eq!(
            classify("InvokeModel requests per minute for Amazon Nova Pro").map(|c| (c.0, c.1)),
            Some((None, Metric::RequestsPerMinute))
        );
        assert_eq!(
            classify("Model invocation max tokens per day for Amazon Nova Pro").map(|c| c.1),
            Some(Metric::TokensPerDay)
        );
        for other in [
            "Batch inference job size (in GB) for Claude 3 Haiku",
            "Bedrock Mantle input tokens per minute for OpenAI GPT 5",
            "Model units per provisioned model for Anthropic Claude 3.7 Sonnet V1",
            "APIs per Agent",
        ] {
            assert_eq!(classify(other), None, "{other}");
        }
    }

    #[test]
    fn a_subject_names_a_model_with_its_own_version_only() {
        let v1 = names(
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "Anthropic",
            "Claude 3.5 Sonnet",
        );
        let v2 = names(
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "Anthropic",
            "Claude 3.5 Sonnet v2",
        );
        assert!(names_model("Anthropic Claude 3.5 Sonnet", &v1));
        assert!(names_model("Anthropic Claude 3.5 Sonnet V1", &v1));
        assert!(!names_model("Anthropic Claude 3.5 Sonnet V2", &v1));
        assert!(names_model("Anthropic Claude 3.5 Sonnet V2", &v2));
        let pro = names("amazon.nova-pro-v1:0", "Amazon", "Nova Pro");
        assert!(names_model("Amazon Nova Pro", &pro));
        assert!(!names_model("Amazon Nova Premier", &pro));
        let long = names(
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "Anthropic",
            "Claude Sonnet 4.5",
        );
        assert!(!names_model(
            "Anthropic Claude Sonnet 4.5 V1 1M Context Length",
            &long
        ));
    }

    #[test]
    fn a_profile_is_bound_by_its_routing_s_quotas_of_its_model() {
        let quota = |code: &str, name: &str, value: f64| LiveQuota {
            code: code.into(),
            name: name.into(),
            value,
            adjustable: true,
        };
        let quotas = [
            quota("L-1", "Cross-region model inference tokens per minute for Anthropic Claude 3.7 Sonnet V1", 1e6),
            quota("L-2", "Cross-region model inference requests per minute for Anthropic Claude 3.7 Sonnet V1", 250.0),
            quota("L-3", "On-demand model inference tokens per minute for Anthropic Claude 3.7 Sonnet V1", 2e5),
            quota("L-4", "Cross-region model inference tokens per minute for Amazon Nova Pro", 8e5),
        ];
        let models = [names(
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "Anthropic",
            "Claude 3.7 Sonnet",
        )];
        let found = bounds(
            &[
                (
                    "geo".into(),
                    "us.anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
                ),
                (
                    "here".into(),
                    "anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
                ),
                (
                    "unknown".into(),
                    "global.anthropic.claude-opus-4-5-20251101-v1:0".into(),
                ),
            ],
            &quotas,
            &models,
            &demands(),
        );
        let codes = |i: usize| {
            found[i]
                .quotas
                .iter()
                .map(|q| q.code.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(0), ["L-1", "L-2"]);
        assert_eq!(found[0].routing, Routing::CrossRegion);
        assert_eq!(
            found[0].demand.as_ref().map(|d| (d.max_output, d.burndown)),
            Some((64000, 5))
        );
        assert_eq!(codes(1), ["L-3"]);
        assert!(found[2].quotas.is_empty() && found[2].model_name.is_none());
        assert_eq!(found[2].routing, Routing::Global);
    }

    #[test]
    fn every_demand_is_of_a_model_id() {
        for d in demands() {
            assert!(d.max_output > 0 && d.burndown >= 1, "{d:?}");
            assert!(d.id.contains('.') && !d.id.starts_with("us."), "{d:?}");
        }
    }
}

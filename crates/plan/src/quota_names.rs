//! Which of Bedrock's quotas bound a profile, from their names, without AWS. Service Quotas
//! names Bedrock's per-model quotas "<kind> <metric> for <Provider> <Model>[ V<n>]":
//! "Cross-region model inference tokens per minute for Anthropic Claude 3.7 Sonnet V1",
//! "On-demand InvokeModel tokens per minute for Amazon Nova Pro", "Global cross-Region model
//! inference tokens per minute for Anthropic Claude Sonnet 4.5 V1", "InvokeModel requests per
//! minute for ..." (every routing). The codes are not documented and differ per model, so
//! the names are what is read: a profile's routing and its model's catalog names select them.
//! `plan` and `doctor` show them (the engine's `quotas`); `[[quotas.increase]]` asks for more.

use serde::Serialize;

/// One quota of Bedrock's, as Service Quotas lists it for the account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveQuota {
    pub code: String,
    pub name: String,
    /// The account's applied value.
    pub value: f64,
    pub adjustable: bool,
}

/// A foundation model's names, as the Bedrock catalog gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelNames {
    pub id: String,
    pub provider: String,
    pub name: String,
}

impl ModelNames {
    pub fn new(id: &str, provider: &str, name: &str) -> Self {
        ModelNames {
            id: id.into(),
            provider: provider.into(),
            name: name.into(),
        }
    }
}

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

/// The quotas of `quotas` that bound a profile copying `copies` (its routing's and every
/// routing's, of its model), with its routing, model, and the model's catalog name when the
/// region lists it.
pub fn bounds_of(
    copies: &str,
    quotas: &[LiveQuota],
    models: &[ModelNames],
) -> (Routing, String, Option<String>, Vec<Bound>) {
    let (routing, model) = routing_of(copies);
    let names = models.iter().find(|m| m.id == model);
    let mut found: Vec<Bound> = names
        .map(|names| {
            quotas
                .iter()
                .filter_map(|q| {
                    let (r, metric, subject) = classify(&q.name)?;
                    (r.is_none_or(|r| r == routing) && names_model(subject, names)).then(|| Bound {
                        code: q.code.clone(),
                        name: q.name.clone(),
                        metric,
                        value: q.value,
                        adjustable: q.adjustable,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort_by(|a, b| (a.metric, &a.code).cmp(&(b.metric, &b.code)));
    let name = names.map(|n| format!("{} {}", n.provider, n.name));
    (routing, model, name, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(id: &str, provider: &str, name: &str) -> ModelNames {
        ModelNames::new(id, provider, name)
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
}

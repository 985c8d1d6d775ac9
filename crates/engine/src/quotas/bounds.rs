//! The quotas that bound each profile (found by name: `bedrock_plan::quota_names`), and what
//! each model asks of them (models.toml).

use bedrock_plan::quota_names::bounds_of;
pub use bedrock_plan::quota_names::{routing_of, Bound, LiveQuota, Metric, ModelNames, Routing};
use serde::{Deserialize, Serialize};

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
            let (routing, model, model_name, quotas) = bounds_of(copies, quotas, models);
            ProfileQuotas {
                profile: profile.clone(),
                model_name,
                demand: demands.iter().find(|d| d.id == model).cloned(),
                model,
                routing,
                quotas,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(id: &str, provider: &str, name: &str) -> ModelNames {
        ModelNames::new(id, provider, name)
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

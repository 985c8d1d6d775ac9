//! Application inference profiles, one per `[[profiles]]`. Bedrock cannot update a profile
//! but for its tags, and never returns its source: profiles are compared through the
//! foundation models they route to, and a changed model or description is a replace (a new
//! ARN, which `.env` and LibreChat's policy follow).

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::registry::{DesiredState, Inputs, KindPlanner};
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::tagging::{retag, Scope, Tagged};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const KIND: Kind = Kind {
    id: "inference_profile",
    label: "inference profile",
    spec_key: "[[profiles]] name",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desired {
    pub name: String,
    /// The spec's model id.
    pub model: String,
    /// The ARN to copy from: a system-defined profile's or a foundation model's.
    pub source_arn: String,
    pub description: Option<String>,
    /// The profile's own tags plus the managed ones.
    pub tags: BTreeMap<String, String>,
    pub env: String,
}

pub fn desired(i: &Inputs) -> Vec<Desired> {
    let spec = i.spec;
    spec.profiles
        .iter()
        .map(|p| Desired {
            name: p.name.clone(),
            model: p.model.clone(),
            source_arn: source_arn(spec.partition(), &spec.stack.region, i.account_id, &p.model),
            description: p.description.clone(),
            tags: p.all_tags(spec),
            env: p.env.clone(),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    /// Foundation-model ARNs the profile routes to.
    pub models: Vec<String>,
    pub status: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SourceState {
    /// The source exists in the region and routes to these foundation models.
    Routes { models: Vec<String> },
    /// No such system-defined profile or foundation model in the region.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    CreateProfile {
        name: String,
        source_arn: String,
        description: Option<String>,
        tags: BTreeMap<String, String>,
        /// Deterministic: a retried or repeated create cannot make a second profile.
        token: String,
    },
    DeleteProfile {
        name: String,
        arn: String,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateProfile { name, .. } => format!("create inference profile {name}"),
            Step::DeleteProfile { name, .. } => format!("delete inference profile {name}"),
        }
    }
}

/// What LibreChat calls by model id without one of this stack's profiles: the models it
/// lists and titles with that no profile covers, as source ARNs, each once, with the spec
/// key that names it.
pub fn direct_sources(i: &Inputs) -> Vec<(String, String)> {
    let spec = i.spec;
    let covered: Vec<&String> = spec.profiles.iter().map(|p| &p.model).collect();
    let mut out: Vec<(String, String)> = Vec::new();
    for (model, key) in called_by_id(spec) {
        // Covered by a profile; or sent to bedrock-mantle, never to bedrock-runtime
        // (`mantle_models`).
        if covered.contains(&model) || bedrock_spec::mantle::routes_to_bedrock_mantle(model) {
            continue;
        }
        let arn = source_arn(spec.partition(), &spec.stack.region, i.account_id, model);
        if !out.iter().any(|(a, _)| *a == arn) {
            out.push((arn, key.to_string()));
        }
    }
    out
}

/// The models LibreChat sends to bedrock-mantle (its `mantle.ts`), by model id, in the
/// order the spec names them: a profile's model, `[librechat] models`, `title_model` and
/// the label models, as LibreChat calls them all by id there.
pub fn mantle_models(spec: &bedrock_spec::Spec) -> Vec<String> {
    let profiles = spec
        .profiles
        .iter()
        .map(|p| (&p.model, "[[profiles]] model"));
    let mut out: Vec<String> = Vec::new();
    for (model, _) in profiles.chain(called_by_id(spec)) {
        if bedrock_spec::mantle::routes_to_bedrock_mantle(model) && !out.contains(model) {
            out.push(model.clone());
        }
    }
    out
}

/// What LibreChat calls by model id besides the profiles' models, with the spec key naming
/// each: `[librechat] models`, `title_model`, and the models it labels activity and
/// reasoning with on this endpoint.
fn called_by_id(spec: &bedrock_spec::Spec) -> Vec<(&String, &'static str)> {
    let listed = spec
        .librechat
        .models
        .iter()
        .map(|m| (m, "[librechat] models"));
    let title = spec
        .librechat
        .title_model
        .iter()
        .filter(|m| *m != "current_model")
        .map(|m| (m, "[librechat] title_model"));
    // The models LibreChat labels activity and reasoning with, on this endpoint (no
    // `*_endpoint` naming another one).
    let text = |key: &str| match spec.librechat.settings.get(key) {
        Some(bedrock_spec::EndpointValue::Text(t)) => Some(t),
        _ => None,
    };
    let labels: Vec<(&String, &str)> = [
        (
            "activityModel",
            "activityEndpoint",
            "[librechat] activity_model",
        ),
        (
            "activityPhaseModel",
            "activityPhaseEndpoint",
            "[librechat] activity_phase_model",
        ),
        (
            "reasoningLabelModel",
            "reasoningLabelEndpoint",
            "[librechat] reasoning_label_model",
        ),
    ]
    .into_iter()
    .filter(|(_, endpoint, _)| text(endpoint).is_none_or(|e| e.eq_ignore_ascii_case("bedrock")))
    .filter_map(|(model, _, key)| text(model).map(|m| (m, key)))
    .filter(|(m, _)| bedrock_spec::rules::model_id(m).is_ok())
    .collect();
    listed.chain(title).chain(labels).collect()
}

/// The ARN a profile copies from: a system-defined profile (`us.anthropic...`) is an
/// `inference-profile` of the account; anything else is a foundation model of the region.
pub fn source_arn(partition: &str, region: &str, account_id: &str, model: &str) -> String {
    if bedrock_spec::rules::profile_geography(model).is_some() {
        format!("arn:{partition}:bedrock:{region}:{account_id}:inference-profile/{model}")
    } else {
        format!("arn:{partition}:bedrock:{region}::foundation-model/{model}")
    }
}

/// A create's idempotency token: the same for every retry of the same create, different for
/// a create that replaces another profile (so that A -> B -> A makes a new profile), within
/// Bedrock's pattern `[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?`.
pub fn client_request_token(d: &DesiredState, p: &Desired, predecessor: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [
        d.stack.as_str(),
        d.account_id.as_str(),
        d.region.as_str(),
        p.name.as_str(),
        p.source_arn.as_str(),
        p.description.as_deref().unwrap_or(""),
        predecessor.unwrap_or("new"),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("lcb-{hex}")
}

fn create(d: &DesiredState, p: &Desired, predecessor: Option<&str>) -> Step {
    Step::CreateProfile {
        name: p.name.clone(),
        source_arn: p.source_arn.clone(),
        description: p.description.clone(),
        tags: p.tags.clone(),
        token: client_request_token(d, p, predecessor),
    }
}

/// The foundation models a desired profile's source routes to, sorted; a problem when the
/// region does not offer the source.
fn source_models(pl: &mut Planner, p: &Desired) -> Option<Vec<String>> {
    match pl.observed.sources.get(&p.source_arn) {
        Some(SourceState::Routes { models }) => {
            let mut m = models.clone();
            m.sort();
            Some(m)
        }
        _ => {
            let region = &pl.desired.region;
            pl.problems.push(format!(
                "profile {}: {} is not offered in {region} (no system-defined inference profile or foundation model with that id)\n  help: `aws bedrock list-inference-profiles --region {region}` lists what the region offers; change [[profiles]] model",
                p.name, p.model
            ));
            None
        }
    }
}

fn plan(pl: &mut Planner) {
    let desired = pl.desired.profiles.clone();
    for p in &desired {
        let Some(models) = source_models(pl, p) else {
            continue;
        };
        let Some(o) = pl
            .observed
            .profiles
            .iter()
            .find(|o| o.name == p.name)
            .cloned()
        else {
            let step = create(pl.desired, p, None);
            pl.push(
                KIND,
                &p.name,
                Action::Create,
                "does not exist",
                vec![
                    FieldDiff::new("model", Value::Null, json!(p.model)),
                    FieldDiff::new("description", Value::Null, json!(p.description)),
                    FieldDiff::new("tags", Value::Null, json!(p.tags)),
                ],
                vec![Chain::one(Phase::Profiles, step)],
            );
            continue;
        };
        let owned = pl.owns(&o.tags);
        if !owned && !pl.foreign(KIND, &p.name, &o.tags) {
            continue;
        }
        let mut observed_models = o.models.clone();
        observed_models.sort();
        let mut replace = Vec::new();
        if observed_models != models {
            replace.push(FieldDiff::new(
                "models",
                json!(observed_models),
                json!(models),
            ));
        }
        if o.description != p.description {
            replace.push(FieldDiff::new(
                "description",
                json!(o.description),
                json!(p.description),
            ));
        }
        if !replace.is_empty() {
            // Bedrock cannot update a profile but for its tags: a new profile, a new ARN.
            let reason = if observed_models != models {
                format!("now routes to other models than {} does; profiles cannot be updated, so a new one replaces it (a new ARN: .env follows)", p.model)
            } else {
                "the description changed; profiles cannot be updated, so a new one replaces it (a new ARN: .env follows)".to_string()
            };
            let steps = vec![
                Step::DeleteProfile {
                    name: p.name.clone(),
                    arn: o.arn.clone(),
                }
                .into(),
                create(pl.desired, p, Some(&o.arn)).into(),
            ];
            pl.push(
                KIND,
                &p.name,
                Action::Replace,
                reason,
                replace,
                vec![Chain {
                    phase: Phase::Profiles,
                    steps,
                }],
            );
            continue;
        }
        let mut diffs = Vec::new();
        let mut steps = Vec::new();
        let tagged = Tagged::Bedrock { arn: o.arn.clone() };
        if let Some((diff, chain)) = retag(tagged, &o.tags, &p.tags, Scope::Exact, Phase::Profiles)
        {
            diffs.push(diff);
            steps.push(chain);
        }
        let action = if owned { Action::Update } else { Action::Adopt };
        pl.settle(
            KIND,
            &p.name,
            action,
            "tags differ from the spec",
            diffs,
            steps,
        );
    }
    // Profiles this stack made that the spec no longer has.
    let gone: Vec<Observed> = pl
        .observed
        .profiles
        .iter()
        .filter(|o| pl.owns(&o.tags) && !desired.iter().any(|p| p.name == o.name))
        .cloned()
        .collect();
    for o in gone {
        let reason = "managed by this stack and no longer in the spec";
        delete(pl, &o, reason, Phase::Retire);
    }
}

fn delete(pl: &mut Planner, o: &Observed, reason: &str, phase: Phase) {
    let step = Step::DeleteProfile {
        name: o.name.clone(),
        arn: o.arn.clone(),
    };
    pl.delete_arn(KIND, &o.name, &o.arn, reason, (phase, step.into()));
}

fn destroy(pl: &mut Planner) {
    let owned: Vec<Observed> = pl
        .observed
        .profiles
        .iter()
        .filter(|o| pl.owns(&o.tags))
        .cloned()
        .collect();
    for o in owned {
        delete(pl, &o, "managed by this stack", Phase::Profiles);
    }
}

/// Each desired profile's ARN once this plan is applied: the observed one, or the one apply
/// will create (a typed reference), in spec order; None for a profile that neither exists
/// nor is planned (its source is missing).
pub fn arns_after(pl: &Planner) -> Vec<(Desired, Option<crate::refs::ArnRef>)> {
    pl.desired
        .profiles
        .iter()
        .map(|p| {
            let renewed = pl
                .change_of(KIND, &p.name)
                .is_some_and(|c| matches!(c.action, Action::Create | Action::Replace));
            let arn = if renewed {
                Some(crate::refs::ArnRef::created(KIND, &p.name))
            } else {
                pl.observed
                    .profiles
                    .iter()
                    .find(|o| o.name == p.name)
                    .map(|o| crate::refs::ArnRef::Known(o.arn.clone()))
            };
            (p.clone(), arn)
        })
        .collect()
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    for p in &d.profiles {
        let live = o
            .profiles
            .iter()
            .find(|l| l.name == p.name && d.owns(&l.tags));
        let output = live.map(|l| {
            Output::new(KIND.id, &p.name, Some(&l.arn))
                .with("model", &p.model)
                .with("env", &p.env)
        });
        out.found(&KIND, &p.name, output);
    }
}

//! Bedrock guardrails, one per `[[guardrails]]`. A guardrail is updated in place (its working
//! draft), and what LibreChat uses is a published version: a change of policy updates the
//! draft and publishes a new version; old versions stay, as AWS keeps them, until the
//! guardrail is deleted. Compared field by field through [`Policy`], the spec's terms.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::refs::ArnRef;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{Inputs, KindPlanner};
use crate::tagging::{retag, Scope, Tagged};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const KIND: Kind = Kind {
    id: "guardrail",
    label: "guardrail",
    spec_key: "[[guardrails]] name",
};

/// The published version apply makes of a guardrail: a reference to it reads "the version
/// apply publishes of guardrail NAME".
pub const VERSION: Kind = Kind {
    id: "guardrail_version",
    label: "guardrail version",
    spec_key: "[[guardrails]] name",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentFilter {
    pub category: String,
    pub input: String,
    pub output: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    pub name: String,
    pub definition: String,
    pub examples: Vec<String>,
}

/// What a guardrail does, in the spec's terms: what is compared, field by field, and what a
/// version publishes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub description: Option<String>,
    pub blocked_input_message: String,
    pub blocked_output_message: String,
    /// In Bedrock's category order.
    pub content_filters: Vec<ContentFilter>,
    pub denied_topics: Vec<Topic>,
    /// (entity type, action), sorted by type.
    pub pii: Vec<(String, String)>,
    pub words: Vec<String>,
    pub profanity: bool,
    pub grounding_threshold: Option<f64>,
    pub relevance_threshold: Option<f64>,
}

impl Policy {
    /// The fields that differ from `other`, as the plan shows them.
    pub fn diffs(&self, other: &Policy) -> Vec<FieldDiff> {
        let value = |p: &Policy| serde_json::to_value(p).unwrap_or(Value::Null);
        FieldDiff::members("policy", &value(other), &value(self))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desired {
    pub name: String,
    pub policy: Policy,
    /// The guardrail's own tags plus the managed ones.
    pub tags: BTreeMap<String, String>,
}

pub fn desired(i: &Inputs) -> Vec<Desired> {
    i.spec
        .guardrails
        .iter()
        .map(|g| Desired {
            name: g.name.clone(),
            policy: Policy {
                description: g.description.clone(),
                blocked_input_message: g.blocked_input_message.clone(),
                blocked_output_message: g.blocked_output_message.clone(),
                content_filters: g
                    .content_filters
                    .iter()
                    .map(|(category, input, output)| ContentFilter {
                        category: category.clone(),
                        input: input.clone(),
                        output: output.clone(),
                    })
                    .collect(),
                denied_topics: g
                    .denied_topics
                    .iter()
                    .map(|t| Topic {
                        name: t.name.clone(),
                        definition: t.definition.clone(),
                        examples: t.examples.clone(),
                    })
                    .collect(),
                pii: g.pii.clone(),
                words: g.words.clone(),
                profanity: g.profanity,
                grounding_threshold: g.grounding_threshold,
                relevance_threshold: g.relevance_threshold,
            },
            tags: g.all_tags(i.spec),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub name: String,
    pub id: String,
    pub arn: String,
    /// The working draft.
    pub draft: Policy,
    /// The highest published version and what it holds.
    pub latest: Option<(String, Policy)>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    CreateGuardrail {
        name: String,
        policy: Policy,
        tags: BTreeMap<String, String>,
        /// Deterministic: a retried or repeated create cannot make a second guardrail.
        token: String,
    },
    UpdateGuardrail {
        name: String,
        arn: String,
        policy: Policy,
    },
    /// Publishes the draft as the next version.
    PublishVersion {
        name: String,
        arn: ArnRef,
        /// The latest version when the plan was made (none for a guardrail apply creates): a
        /// publish answered with this version or an earlier one was a reused token's, not a
        /// new version.
        after: Option<String>,
        /// Names the policy, the guardrail and the version it follows, so that a retried
        /// publish makes no second version and a later publish never reuses it.
        token: String,
    },
    /// Deletes the guardrail and every version of it.
    DeleteGuardrail { name: String, arn: String },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateGuardrail { name, .. } => format!("create guardrail {name}"),
            Step::UpdateGuardrail { name, .. } => format!("update guardrail {name}"),
            Step::PublishVersion { name, .. } => format!("publish a version of guardrail {name}"),
            Step::DeleteGuardrail { name, .. } => format!("delete guardrail {name}"),
        }
    }
}

/// A request token from what it asks for (Bedrock's idempotency tokens are 1-256 of
/// `[a-zA-Z0-9](-*[a-zA-Z0-9])*`).
fn token(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn policy_token(
    stack: &str,
    name: &str,
    policy: &Policy,
    arn: &str,
    after: Option<&str>,
) -> String {
    let text = serde_json::to_string(policy).unwrap_or_default();
    token(&[stack, name, &text, arn, after.unwrap_or("none")])
}

fn plan(pl: &mut Planner) {
    let desired = pl.desired.guardrails.clone();
    for d in &desired {
        let found = pl
            .observed
            .guardrails
            .iter()
            .find(|o| o.name == d.name)
            .cloned();
        let Some(o) = found else {
            let arn = ArnRef::created(KIND, &d.name);
            let steps = vec![
                Step::CreateGuardrail {
                    name: d.name.clone(),
                    policy: d.policy.clone(),
                    tags: d.tags.clone(),
                    token: token(&[&pl.desired.stack, &d.name, "create"]),
                }
                .into(),
                Step::PublishVersion {
                    name: d.name.clone(),
                    arn,
                    after: None,
                    token: policy_token(&pl.desired.stack, &d.name, &d.policy, "new", None),
                }
                .into(),
            ];
            let mut diffs = d.policy.diffs(&empty());
            diffs.push(FieldDiff::new("tags", Value::Null, json!(d.tags)));
            diffs.push(FieldDiff::new("version", Value::Null, json!("1")));
            pl.push(
                KIND,
                &d.name,
                Action::Create,
                "does not exist",
                diffs,
                vec![Chain {
                    phase: Phase::Profiles,
                    steps,
                }],
            );
            continue;
        };
        let owned = pl.owns(&o.tags);
        if !owned && !pl.foreign(KIND, &d.name, &o.tags) {
            continue;
        }
        let mut diffs = d.policy.diffs(&o.draft);
        let mut chain: Vec<crate::registry::Step> = Vec::new();
        let mut reason = "tags differ from the spec".to_string();
        let next = next_version(&o);
        if !diffs.is_empty() {
            reason = format!("its policy differs from the spec: updated in place, published as version {next} (LibreChat's file follows; earlier versions stay)");
            chain.push(
                Step::UpdateGuardrail {
                    name: d.name.clone(),
                    arn: o.arn.clone(),
                    policy: d.policy.clone(),
                }
                .into(),
            );
        }
        // A version may carry a description of its own: the rest is what it publishes.
        let published = o.latest.as_ref().is_some_and(|(_, p)| {
            Policy {
                description: None,
                ..p.clone()
            } == Policy {
                description: None,
                ..d.policy.clone()
            }
        });
        if !diffs.is_empty() || !published {
            if diffs.is_empty() {
                reason = format!(
                    "the draft matches the spec but is not published: published as version {next}"
                );
            }
            diffs.push(FieldDiff::new(
                "version",
                json!(o.latest.as_ref().map(|(v, _)| v)),
                json!(next),
            ));
            let after = o.latest.as_ref().map(|(v, _)| v.clone());
            chain.push(
                Step::PublishVersion {
                    name: d.name.clone(),
                    arn: ArnRef::Known(o.arn.clone()),
                    token: policy_token(
                        &pl.desired.stack,
                        &d.name,
                        &d.policy,
                        &o.arn,
                        after.as_deref(),
                    ),
                    after,
                }
                .into(),
            );
        }
        let tagged = Tagged::Bedrock { arn: o.arn.clone() };
        let retagged = retag(tagged, &o.tags, &d.tags, Scope::Exact, Phase::Profiles);
        let mut steps = if chain.is_empty() {
            Vec::new()
        } else {
            vec![Chain {
                phase: Phase::Profiles,
                steps: chain,
            }]
        };
        if let Some((diff, chain)) = retagged {
            diffs.push(diff);
            steps.push(chain);
        }
        let action = if owned { Action::Update } else { Action::Adopt };
        pl.settle(KIND, &d.name, action, &reason, diffs, steps);
    }
    // Guardrails this stack made that the spec no longer has: deleted once LibreChat's
    // policy and files no longer name them.
    let gone: Vec<Observed> = pl
        .observed
        .guardrails
        .iter()
        .filter(|o| pl.owns(&o.tags) && !desired.iter().any(|d| d.name == o.name))
        .cloned()
        .collect();
    for o in gone {
        delete(
            pl,
            &o,
            "managed by this stack and no longer in the spec",
            Phase::Retire,
        );
    }
}

/// The version number the next publish gets.
fn next_version(o: &Observed) -> String {
    o.latest
        .as_ref()
        .and_then(|(v, _)| v.parse::<u64>().ok())
        .map_or_else(|| "1".to_string(), |n| (n + 1).to_string())
}

/// The policy a create starts from, for the diff of a new guardrail: every field the spec
/// sets shows as added.
fn empty() -> Policy {
    Policy {
        description: None,
        blocked_input_message: String::new(),
        blocked_output_message: String::new(),
        content_filters: Vec::new(),
        denied_topics: Vec::new(),
        pii: Vec::new(),
        words: Vec::new(),
        profanity: false,
        grounding_threshold: None,
        relevance_threshold: None,
    }
}

fn delete(pl: &mut Planner, o: &Observed, reason: &str, phase: Phase) {
    let step = Step::DeleteGuardrail {
        name: o.name.clone(),
        arn: o.arn.clone(),
    };
    pl.delete_arn(KIND, &o.name, &o.arn, reason, (phase, step.into()));
}

fn destroy(pl: &mut Planner) {
    let owned: Vec<Observed> = pl
        .observed
        .guardrails
        .iter()
        .filter(|o| pl.owns(&o.tags))
        .cloned()
        .collect();
    for o in owned {
        delete(
            pl,
            &o,
            "managed by this stack (every version with it)",
            Phase::Profiles,
        );
    }
}

/// The guardrail `name` once this plan is applied: (its ARN, its published version), each
/// known now or made by apply; None when it neither exists nor is planned.
pub fn after(pl: &Planner, name: &str) -> Option<(ArnRef, ArnRef)> {
    let o = pl.observed.guardrails.iter().find(|o| o.name == name);
    let change = pl.change_of(KIND, name);
    let publishes = change.is_some_and(|c| {
        c.steps.iter().flat_map(|chain| &chain.steps).any(|s| {
            matches!(
                s,
                crate::registry::Step::Guardrail(Step::PublishVersion { .. })
            )
        })
    });
    let arn = match o {
        Some(o) => ArnRef::Known(o.arn.clone()),
        None if change.is_some() => ArnRef::created(KIND, name),
        None => return None,
    };
    let version = if publishes {
        ArnRef::created(VERSION, name)
    } else {
        ArnRef::Known(o?.latest.as_ref()?.0.clone())
    };
    Some((arn, version))
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    for g in &d.guardrails {
        let live = o
            .guardrails
            .iter()
            .find(|l| l.name == g.name && d.owns(&l.tags));
        let output = live.map(|l| {
            let output = Output::new(KIND.id, &g.name, Some(&l.arn)).with("id", &l.id);
            match &l.latest {
                Some((version, _)) => output.with("version", version),
                None => output,
            }
        });
        out.found(&KIND, &g.name, output);
    }
}

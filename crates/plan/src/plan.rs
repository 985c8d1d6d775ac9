//! `plan(desired, observed) -> Plan`: every resource compared, each change with its action,
//! field-level differences, reason, and the steps apply will take.

use crate::desired::{
    pending_arn, runtime_policy_name, DesiredProfile, DesiredState, LIFECYCLE_RULE_ID,
};
use crate::observed::{
    BucketState, LifecycleRule, LoggingSettings, ObservedState, PublicAccessBlock, SourceState,
};
use crate::policy_doc;
use crate::steps::{Chain, Phase, Step};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    LogGroup,
    Bucket,
    Role,
    LoggingConfiguration,
    InferenceProfile,
    /// LibreChat's role: only this tool's inline policy on it is managed.
    RuntimeRole,
}

impl ResourceKind {
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::LogGroup => "log group",
            ResourceKind::Bucket => "bucket",
            ResourceKind::Role => "role",
            ResourceKind::LoggingConfiguration => "logging configuration",
            ResourceKind::InferenceProfile => "inference profile",
            ResourceKind::RuntimeRole => "LibreChat role",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    /// Take over a same-named resource without this stack's tags (`--adopt`).
    Adopt,
    NoOp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDiff {
    pub field: String,
    pub before: Value,
    pub after: Value,
    /// For policy documents: the changed lines of their canonical JSON.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
}

impl FieldDiff {
    fn new(field: &str, before: Value, after: Value) -> Self {
        FieldDiff {
            field: field.to_string(),
            before,
            after,
            lines: Vec::new(),
        }
    }

    fn policy(field: &str, before: Option<&Value>, after: &Value) -> Self {
        let lines = match before {
            Some(b) => policy_doc::diff_lines(b, after),
            None => Vec::new(),
        };
        FieldDiff {
            field: field.to_string(),
            before: before.cloned().unwrap_or(Value::Null),
            after: after.clone(),
            lines,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ResourceKind,
    pub name: String,
    pub action: Action,
    pub reason: String,
    pub diffs: Vec<FieldDiff>,
    /// The calls apply makes for this change.
    pub steps: Vec<Chain>,
}

/// Something left in place on purpose, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kept {
    pub kind: ResourceKind,
    pub name: String,
    pub reason: String,
}

/// The version of the plan's JSON document; it changes only when a field changes meaning or
/// goes away.
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub format_version: u32,
    pub stack: String,
    pub account_id: String,
    pub region: String,
    /// Every managed resource, unchanged ones included (with `no_op`).
    pub changes: Vec<Change>,
    pub kept: Vec<Kept>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let count = |a: &[Action]| {
            self.changes
                .iter()
                .filter(|c| a.contains(&c.action))
                .count()
        };
        Summary {
            add: count(&[Action::Create]),
            change: count(&[Action::Update, Action::Adopt]),
            replace: count(&[Action::Replace]),
            destroy: count(&[Action::Delete]),
        }
    }

    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// The steps grouped into phases, in the order apply runs them.
    pub fn phases(&self) -> Vec<Phase> {
        let mut by_rank: BTreeMap<u8, Vec<Vec<Step>>> = BTreeMap::new();
        for change in &self.changes {
            for chain in &change.steps {
                by_rank
                    .entry(chain.rank)
                    .or_default()
                    .push(chain.steps.clone());
            }
        }
        by_rank
            .into_iter()
            .map(|(rank, chains)| Phase { rank, chains })
            .collect()
    }

    pub fn step_count(&self) -> usize {
        self.changes
            .iter()
            .flat_map(|c| &c.steps)
            .map(|chain| chain.steps.len())
            .sum()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Take over same-named resources that lack this stack's tags.
    pub adopt: bool,
}

/// Why no plan can be made: every problem, each with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub problems: Vec<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}

fn check_account(desired: &DesiredState, observed: &ObservedState) -> Result<(), PlanError> {
    match &desired.account_guard {
        Some(guard) if *guard != observed.account_id => Err(PlanError {
            problems: vec![format!(
                "the credentials are for account {}, but [stack] account_id is {guard}: nothing was read further and nothing was changed\n  help: use credentials for account {guard} (AWS_PROFILE), or change account_id if this account is the right one",
                observed.account_id
            )],
        }),
        _ => Ok(()),
    }
}

fn tags_json(tags: &BTreeMap<String, String>) -> Value {
    json!(tags)
}

struct Planner<'a> {
    desired: &'a DesiredState,
    observed: &'a ObservedState,
    options: PlanOptions,
    changes: Vec<Change>,
    problems: Vec<String>,
}

impl Planner<'_> {
    fn push(
        &mut self,
        kind: ResourceKind,
        name: &str,
        action: Action,
        reason: impl Into<String>,
        diffs: Vec<FieldDiff>,
        steps: Vec<Chain>,
    ) {
        self.changes.push(Change {
            kind,
            name: name.to_string(),
            action,
            reason: reason.into(),
            diffs,
            steps,
        });
    }

    /// The end of every resource's comparison: nothing to do, or a change with its reason.
    fn settle(
        &mut self,
        kind: ResourceKind,
        name: &str,
        action: Action,
        reason: &str,
        diffs: Vec<FieldDiff>,
        steps: Vec<Chain>,
    ) {
        if steps.is_empty() {
            self.push(kind, name, Action::NoOp, "as specified", vec![], vec![]);
        } else if action == Action::Adopt {
            self.push(kind, name, action, "taken over with --adopt", diffs, steps);
        } else {
            self.push(kind, name, action, reason, diffs, steps);
        }
    }

    /// Ownership of an existing resource: `Update` when it carries this stack's tags; with
    /// `--adopt`, `Adopt` and the step that tags it; otherwise the problem is recorded and
    /// there is nothing to plan (None).
    fn ownership(
        &mut self,
        kind: ResourceKind,
        name: &str,
        tags: &BTreeMap<String, String>,
        tag_step: Step,
        diffs: &mut Vec<FieldDiff>,
        steps: &mut Vec<Chain>,
    ) -> Option<Action> {
        if self.desired.owns(tags) {
            return Some(Action::Update);
        }
        if !self.foreign(kind, name) {
            return None;
        }
        diffs.push(FieldDiff::new(
            "tags",
            tags_json(tags),
            tags_json(&self.desired.managed_tags),
        ));
        steps.push(Chain {
            rank: 1,
            steps: vec![tag_step],
        });
        Some(Action::Adopt)
    }

    /// A same-named resource without this stack's tags: adopt it, or explain.
    fn foreign(&mut self, kind: ResourceKind, name: &str) -> bool {
        if self.options.adopt {
            return true;
        }
        self.problems.push(format!(
            "{} {name} already exists and is not managed by this stack (it lacks the tags managed-by = {} and stack = {})\n  help: run `cargo xtask apply --adopt` to take it over, or choose another name in the spec",
            kind.label(),
            bedrock_spec::MANAGED_BY_VALUE,
            self.desired.stack
        ));
        false
    }

    fn log_group(&mut self) {
        let d = &self.desired.log_group;
        let kind = ResourceKind::LogGroup;
        let Some(o) = &self.observed.log_group else {
            self.push(
                kind,
                &d.name,
                Action::Create,
                "does not exist",
                vec![FieldDiff::new(
                    "retention_days",
                    Value::Null,
                    json!(d.retention_days),
                )],
                vec![
                    Chain {
                        rank: 1,
                        steps: vec![Step::CreateLogGroup {
                            name: d.name.clone(),
                            tags: self.desired.managed_tags.clone(),
                        }],
                    },
                    Chain {
                        rank: 2,
                        steps: vec![Step::PutRetentionPolicy {
                            name: d.name.clone(),
                            days: d.retention_days,
                        }],
                    },
                ],
            );
            return;
        };
        let mut diffs = Vec::new();
        let mut steps = Vec::new();
        let Some(action) = self.ownership(
            kind,
            &d.name,
            &o.tags,
            Step::TagLogGroup {
                arn: self.desired.log_group_arn(),
                tags: self.desired.managed_tags.clone(),
            },
            &mut diffs,
            &mut steps,
        ) else {
            return;
        };
        if o.retention_days != Some(d.retention_days) {
            diffs.push(FieldDiff::new(
                "retention_days",
                json!(o.retention_days),
                json!(d.retention_days),
            ));
            steps.push(Chain {
                rank: 2,
                steps: vec![Step::PutRetentionPolicy {
                    name: d.name.clone(),
                    days: d.retention_days,
                }],
            });
        }
        self.settle(kind, &d.name, action, "differs from the spec", diffs, steps);
    }

    fn desired_lifecycle(&self) -> LifecycleRule {
        let d = &self.desired.bucket;
        LifecycleRule {
            id: LIFECYCLE_RULE_ID.to_string(),
            prefix: d.object_prefix.clone(),
            enabled: true,
            expiration_days: Some(d.expiration_days),
        }
    }

    fn bucket(&mut self) {
        let d = self.desired.bucket.clone();
        let kind = ResourceKind::Bucket;
        let hardening = |name: &str, policy: &Value, lifecycle: LifecycleRule| {
            vec![
                Chain {
                    rank: 2,
                    steps: vec![Step::PutPublicAccessBlock {
                        name: name.to_string(),
                    }],
                },
                Chain {
                    rank: 2,
                    steps: vec![Step::PutBucketEncryption {
                        name: name.to_string(),
                    }],
                },
                Chain {
                    rank: 2,
                    steps: vec![Step::PutOwnershipControls {
                        name: name.to_string(),
                    }],
                },
                Chain {
                    rank: 2,
                    steps: vec![Step::PutBucketPolicy {
                        name: name.to_string(),
                        policy: policy.clone(),
                    }],
                },
                Chain {
                    rank: 2,
                    steps: vec![Step::PutBucketLifecycle {
                        name: name.to_string(),
                        rule: lifecycle,
                    }],
                },
            ]
        };
        match &self.observed.bucket {
            BucketState::Missing => {
                let mut steps = vec![Chain {
                    rank: 1,
                    steps: vec![Step::CreateBucket {
                        name: d.name.clone(),
                        region: self.desired.region.clone(),
                        tags: self.desired.managed_tags.clone(),
                    }],
                }];
                steps.extend(hardening(&d.name, &d.policy, self.desired_lifecycle()));
                self.push(
                    kind,
                    &d.name,
                    Action::Create,
                    "does not exist",
                    vec![
                        FieldDiff::new("public_access_block", Value::Null, json!(PublicAccessBlock::ALL)),
                        FieldDiff::new("encryption", Value::Null, json!("AES256")),
                        FieldDiff::new("ownership", Value::Null, json!("BucketOwnerEnforced")),
                        FieldDiff::policy("policy", None, &d.policy),
                        FieldDiff::new("lifecycle", Value::Null, json!(format!("expire {}* after {} days", d.object_prefix, d.expiration_days))),
                    ],
                    steps,
                );
            }
            BucketState::OtherRegion { region } => self.problems.push(format!(
                "bucket {} exists in {region}, but the stack is in {}: Bedrock only logs to a bucket in its own region\n  help: choose another [logging] bucket name (\"{{region}}\" in it keeps names apart)",
                d.name, self.desired.region
            )),
            BucketState::Foreign => self.problems.push(format!(
                "bucket name {} is taken by another AWS account (bucket names are global)\n  help: choose another [logging] bucket name; \"{{account_id}}\" in it makes it yours",
                d.name
            )),
            BucketState::Present(o) => {
                let mut diffs = Vec::new();
                let mut steps = Vec::new();
                let mut action = Action::Update;
                if !self.desired.owns(&o.tags) {
                    if !self.foreign(kind, &d.name) {
                        return;
                    }
                    action = Action::Adopt;
                    let mut tags = o.tags.clone();
                    tags.extend(self.desired.managed_tags.clone());
                    diffs.push(FieldDiff::new("tags", tags_json(&o.tags), tags_json(&tags)));
                    steps.push(Chain { rank: 1, steps: vec![Step::PutBucketTagging { name: d.name.clone(), tags }] });
                }
                if o.public_access_block != Some(PublicAccessBlock::ALL) {
                    diffs.push(FieldDiff::new("public_access_block", json!(o.public_access_block), json!(PublicAccessBlock::ALL)));
                    steps.push(Chain { rank: 2, steps: vec![Step::PutPublicAccessBlock { name: d.name.clone() }] });
                }
                // SSE-KMS is stronger than the SSE-S3 default: keep it when someone chose it.
                if !o.encryption.as_deref().is_some_and(|e| e == "AES256" || e.starts_with("aws:kms")) {
                    diffs.push(FieldDiff::new("encryption", json!(o.encryption), json!("AES256")));
                    steps.push(Chain { rank: 2, steps: vec![Step::PutBucketEncryption { name: d.name.clone() }] });
                }
                if o.ownership.as_deref() != Some("BucketOwnerEnforced") {
                    diffs.push(FieldDiff::new("ownership", json!(o.ownership), json!("BucketOwnerEnforced")));
                    steps.push(Chain { rank: 2, steps: vec![Step::PutOwnershipControls { name: d.name.clone() }] });
                }
                if !o.policy.as_ref().is_some_and(|p| policy_doc::equivalent(p, &d.policy)) {
                    diffs.push(FieldDiff::policy("policy", o.policy.as_ref(), &d.policy));
                    steps.push(Chain { rank: 2, steps: vec![Step::PutBucketPolicy { name: d.name.clone(), policy: d.policy.clone() }] });
                }
                let ours = self.desired_lifecycle();
                let theirs = o.lifecycle.iter().find(|r| r.id == LIFECYCLE_RULE_ID).cloned();
                if theirs.as_ref() != Some(&ours) {
                    diffs.push(FieldDiff::new("lifecycle", json!(theirs), json!(ours)));
                    steps.push(Chain { rank: 2, steps: vec![Step::PutBucketLifecycle { name: d.name.clone(), rule: ours }] });
                }
                self.settle(kind, &d.name, action, "differs from the spec", diffs, steps);
            }
        }
    }

    fn role(&mut self) {
        let d = self.desired.role.clone();
        let kind = ResourceKind::Role;
        let Some(o) = &self.observed.role else {
            let mut diffs = vec![FieldDiff::policy("trust", None, &d.trust)];
            let mut puts = Vec::new();
            for (name, doc) in &d.inline {
                diffs.push(FieldDiff::policy(&format!("policy {name}"), None, doc));
                puts.push(Chain {
                    rank: 2,
                    steps: vec![Step::PutRolePolicy {
                        role: d.name.clone(),
                        name: name.clone(),
                        document: doc.clone(),
                    }],
                });
            }
            let mut steps = vec![Chain {
                rank: 1,
                steps: vec![Step::CreateRole {
                    name: d.name.clone(),
                    trust: d.trust.clone(),
                    tags: self.desired.managed_tags.clone(),
                }],
            }];
            steps.extend(puts);
            self.push(
                kind,
                &d.name,
                Action::Create,
                "does not exist",
                diffs,
                steps,
            );
            return;
        };
        let mut diffs = Vec::new();
        let mut steps = Vec::new();
        let Some(action) = self.ownership(
            kind,
            &d.name,
            &o.tags,
            Step::TagRole {
                name: d.name.clone(),
                tags: self.desired.managed_tags.clone(),
            },
            &mut diffs,
            &mut steps,
        ) else {
            return;
        };
        if !policy_doc::equivalent(&o.trust, &d.trust) {
            diffs.push(FieldDiff::policy("trust", Some(&o.trust), &d.trust));
            steps.push(Chain {
                rank: 2,
                steps: vec![Step::UpdateTrust {
                    name: d.name.clone(),
                    trust: d.trust.clone(),
                }],
            });
        }
        for (name, doc) in &d.inline {
            let current = o.inline.get(name);
            if !current.is_some_and(|c| policy_doc::equivalent(c, doc)) {
                diffs.push(FieldDiff::policy(&format!("policy {name}"), current, doc));
                steps.push(Chain {
                    rank: 2,
                    steps: vec![Step::PutRolePolicy {
                        role: d.name.clone(),
                        name: name.clone(),
                        document: doc.clone(),
                    }],
                });
            }
        }
        // Least privilege: the role holds exactly the spec's policies.
        for (name, doc) in &o.inline {
            if !d.inline.contains_key(name) {
                diffs.push(FieldDiff::new(
                    &format!("policy {name}"),
                    doc.clone(),
                    Value::Null,
                ));
                steps.push(Chain {
                    rank: 2,
                    steps: vec![Step::DeleteRolePolicy {
                        role: d.name.clone(),
                        name: name.clone(),
                    }],
                });
            }
        }
        for arn in &o.attached {
            diffs.push(FieldDiff::new("attached policy", json!(arn), Value::Null));
            steps.push(Chain {
                rank: 2,
                steps: vec![Step::DetachRolePolicy {
                    role: d.name.clone(),
                    arn: arn.clone(),
                }],
            });
        }
        self.settle(kind, &d.name, action, "differs from the spec", diffs, steps);
    }

    fn logging(&mut self) {
        let d = &self.desired.logging;
        let kind = ResourceKind::LoggingConfiguration;
        let name = self.desired.region.clone();
        let step = vec![Chain {
            rank: 3,
            steps: vec![Step::PutLogging {
                settings: d.clone(),
            }],
        }];
        match &self.observed.logging {
            None => {
                let diffs = logging_diffs(None, d);
                self.push(
                    kind,
                    &name,
                    Action::Create,
                    "model invocation logging is off",
                    diffs,
                    step,
                );
            }
            Some(o) if o == d => {
                self.push(kind, &name, Action::NoOp, "as specified", vec![], vec![])
            }
            Some(o) => {
                let diffs = logging_diffs(Some(o), d);
                let reason = if o.log_group != d.log_group || o.role_arn != d.role_arn {
                    "points at other resources than this stack's"
                } else {
                    "differs from the spec"
                };
                self.push(kind, &name, Action::Update, reason, diffs, step);
            }
        }
    }

    fn source_models(&mut self, p: &DesiredProfile) -> Option<Vec<String>> {
        match self.observed.sources.get(&p.source_arn) {
            Some(SourceState::Routes { models }) => {
                let mut m = models.clone();
                m.sort();
                Some(m)
            }
            _ => {
                self.problems.push(format!(
                    "profile {}: {} is not offered in {} (no system-defined inference profile or foundation model with that id)\n  help: `aws bedrock list-inference-profiles --region {}` lists what the region offers; change [[profiles]] model",
                    p.name, p.model, self.desired.region, self.desired.region
                ));
                None
            }
        }
    }

    fn profiles(&mut self) {
        let desired = self.desired.profiles.clone();
        for p in &desired {
            let kind = ResourceKind::InferenceProfile;
            let Some(models) = self.source_models(p) else {
                continue;
            };
            let observed = self
                .observed
                .profiles
                .iter()
                .find(|o| o.name == p.name)
                .cloned();
            let Some(o) = observed else {
                self.push(
                    kind,
                    &p.name,
                    Action::Create,
                    "does not exist",
                    vec![
                        FieldDiff::new("model", Value::Null, json!(p.model)),
                        FieldDiff::new("description", Value::Null, json!(p.description)),
                        FieldDiff::new("tags", Value::Null, tags_json(&p.tags)),
                    ],
                    vec![Chain {
                        rank: 4,
                        steps: vec![self.create_profile(p, None)],
                    }],
                );
                continue;
            };
            let owned = self.desired.owns(&o.tags);
            if !owned && !self.foreign(kind, &p.name) {
                continue;
            }
            let mut observed_models = o.models.clone();
            observed_models.sort();
            let mut replace_diffs = Vec::new();
            if observed_models != models {
                replace_diffs.push(FieldDiff::new(
                    "models",
                    json!(observed_models),
                    json!(models),
                ));
            }
            if o.description != p.description {
                replace_diffs.push(FieldDiff::new(
                    "description",
                    json!(o.description),
                    json!(p.description),
                ));
            }
            if !replace_diffs.is_empty() {
                // Bedrock cannot update a profile but for its tags: a new profile, a new ARN.
                let reason = if observed_models != models {
                    format!("now routes to other models than {} does; profiles cannot be updated, so a new one replaces it (a new ARN: .env follows)", p.model)
                } else {
                    "the description changed; profiles cannot be updated, so a new one replaces it (a new ARN: .env follows)".to_string()
                };
                self.push(
                    kind,
                    &p.name,
                    Action::Replace,
                    reason,
                    replace_diffs,
                    vec![Chain {
                        rank: 4,
                        steps: vec![
                            Step::DeleteProfile {
                                name: p.name.clone(),
                                arn: o.arn.clone(),
                            },
                            self.create_profile(p, Some(&o.arn)),
                        ],
                    }],
                );
                continue;
            }
            let mut steps = Vec::new();
            let add: BTreeMap<String, String> = p
                .tags
                .iter()
                .filter(|(k, v)| o.tags.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let remove: Vec<String> = o
                .tags
                .keys()
                .filter(|k| !p.tags.contains_key(*k))
                .cloned()
                .collect();
            let mut diffs = Vec::new();
            if !add.is_empty() || !remove.is_empty() {
                diffs.push(FieldDiff::new(
                    "tags",
                    tags_json(&o.tags),
                    tags_json(&p.tags),
                ));
                let mut chain = Vec::new();
                if !remove.is_empty() {
                    chain.push(Step::UntagProfile {
                        arn: o.arn.clone(),
                        keys: remove,
                    });
                }
                if !add.is_empty() {
                    chain.push(Step::TagProfile {
                        arn: o.arn.clone(),
                        tags: add,
                    });
                }
                steps.push(Chain {
                    rank: 4,
                    steps: chain,
                });
            }
            let action = if owned { Action::Update } else { Action::Adopt };
            self.settle(
                kind,
                &p.name,
                action,
                "tags differ from the spec",
                diffs,
                steps,
            );
        }
        // Profiles this stack made that the spec no longer has.
        let observed = self.observed.profiles.clone();
        for o in observed {
            if self.desired.owns(&o.tags) && !desired.iter().any(|p| p.name == o.name) {
                self.push(
                    ResourceKind::InferenceProfile,
                    &o.name,
                    Action::Delete,
                    "managed by this stack and no longer in the spec",
                    vec![FieldDiff::new("arn", json!(o.arn), Value::Null)],
                    vec![Chain {
                        rank: 4,
                        steps: vec![Step::DeleteProfile {
                            name: o.name.clone(),
                            arn: o.arn.clone(),
                        }],
                    }],
                );
            }
        }
    }

    /// LibreChat's role gets exactly the stack's profiles and the models they route to. The
    /// ARNs of profiles created by this plan are not known yet: their markers are filled in
    /// by apply.
    fn runtime(&mut self) {
        let Some(rt) = self.desired.runtime.clone() else {
            return;
        };
        let kind = ResourceKind::RuntimeRole;
        let Some(o) = self.observed.runtime_role.clone() else {
            self.problems.push(format!(
                "[librechat] runtime_role {} does not exist in account {}\n  help: it is LibreChat's own IAM role, which this tool does not create: create it, or remove runtime_role from the spec",
                rt.role, self.observed.account_id
            ));
            return;
        };
        let mut steps = Vec::new();
        let mut diffs = Vec::new();
        let tag_step = Step::TagRole {
            name: rt.role.clone(),
            tags: self.desired.managed_tags.clone(),
        };
        let Some(action) =
            self.ownership(kind, &rt.role, &o.tags, tag_step, &mut diffs, &mut steps)
        else {
            return;
        };
        // Each desired profile's ARN after this plan: observed unless created or replaced now.
        let renewed: Vec<String> = self
            .changes
            .iter()
            .filter(|c| {
                c.kind == ResourceKind::InferenceProfile
                    && matches!(c.action, Action::Create | Action::Replace)
            })
            .map(|c| c.name.clone())
            .collect();
        let mut profile_arns = Vec::new();
        let mut model_arns = Vec::new();
        for p in &self.desired.profiles {
            if renewed.contains(&p.name) {
                profile_arns.push(pending_arn(&p.name));
            } else if let Some(observed) = self.observed.profiles.iter().find(|o| o.name == p.name)
            {
                profile_arns.push(observed.arn.clone());
            }
            if let Some(SourceState::Routes { models }) = self.observed.sources.get(&p.source_arn) {
                model_arns.extend(models.iter().cloned());
            }
        }
        if profile_arns.is_empty() {
            return;
        }
        let values = rt.values.clone().with_profiles(&profile_arns, &model_arns);
        let document = match bedrock_policy::render(&rt.template, &values) {
            Ok(r) => r.document,
            Err(e) => {
                self.problems.push(e.to_string());
                return;
            }
        };
        let name = runtime_policy_name().to_string();
        if !renewed.is_empty()
            || !o
                .policy
                .as_ref()
                .is_some_and(|p| policy_doc::equivalent(p, &document))
        {
            diffs.push(FieldDiff::policy(
                &format!("policy {name}"),
                o.policy.as_ref(),
                &document,
            ));
            steps.push(Chain {
                rank: 5,
                steps: vec![Step::PutRuntimePolicy {
                    role: rt.role.clone(),
                    name,
                    document,
                    pending: renewed,
                }],
            });
        }
        let reason = if o.policy.is_none() {
            "LibreChat's role lacks its Bedrock policy"
        } else {
            "LibreChat's Bedrock policy differs from the stack's profiles"
        };
        self.settle(kind, &rt.role, action, reason, diffs, steps);
    }

    fn create_profile(&self, p: &DesiredProfile, predecessor: Option<&str>) -> Step {
        Step::CreateProfile {
            name: p.name.clone(),
            source_arn: p.source_arn.clone(),
            description: p.description.clone(),
            tags: p.tags.clone(),
            token: client_request_token(self.desired, p, predecessor),
        }
    }
}

fn logging_diffs(o: Option<&LoggingSettings>, d: &LoggingSettings) -> Vec<FieldDiff> {
    let before = o.map_or_else(
        || json!({}),
        |o| serde_json::to_value(o).unwrap_or(Value::Null),
    );
    let after = serde_json::to_value(d).unwrap_or(Value::Null);
    let (Value::Object(b), Value::Object(a)) = (before.clone(), after.clone()) else {
        return vec![FieldDiff::new("configuration", before, after)];
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, v)| FieldDiff::new(k, b.get(k).cloned().unwrap_or(Value::Null), v.clone()))
        .collect()
}

/// A create's idempotency token: the same for every retry of the same create, different for
/// a create that replaces another profile (so that A -> B -> A makes a new profile), within
/// Bedrock's pattern `[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?`.
pub fn client_request_token(
    d: &DesiredState,
    p: &DesiredProfile,
    predecessor: Option<&str>,
) -> String {
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

/// Converge the observed state to the desired one.
pub fn plan(
    desired: &DesiredState,
    observed: &ObservedState,
    options: PlanOptions,
) -> Result<Plan, PlanError> {
    check_account(desired, observed)?;
    let mut planner = Planner {
        desired,
        observed,
        options,
        changes: Vec::new(),
        problems: Vec::new(),
    };
    planner.log_group();
    planner.bucket();
    planner.role();
    planner.logging();
    planner.profiles();
    planner.runtime();
    if !planner.problems.is_empty() {
        return Err(PlanError {
            problems: planner.problems,
        });
    }
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        stack: desired.stack.clone(),
        account_id: observed.account_id.clone(),
        region: desired.region.clone(),
        changes: planner.changes,
        kept: vec![
            Kept {
                kind: ResourceKind::LogGroup,
                name: desired.log_group.name.clone(),
                reason: "holds the invocation logs: `destroy` keeps it unless --delete-data".into(),
            },
            Kept {
                kind: ResourceKind::Bucket,
                name: desired.bucket.name.clone(),
                reason: "holds the large payloads: `destroy` keeps it unless --delete-data".into(),
            },
        ],
    })
}

/// Remove what this stack manages, in reverse dependency order. The log group and the bucket
/// hold data: they are deleted only with `delete_data`.
pub fn plan_destroy(
    desired: &DesiredState,
    observed: &ObservedState,
    delete_data: bool,
) -> Result<Plan, PlanError> {
    check_account(desired, observed)?;
    let mut changes = Vec::new();
    let mut kept = Vec::new();
    let mut push = |kind, name: &str, reason: &str, diffs, steps| {
        changes.push(Change {
            kind,
            name: name.to_string(),
            action: Action::Delete,
            reason: reason.to_string(),
            diffs,
            steps,
        })
    };
    for o in &observed.profiles {
        if desired.owns(&o.tags) {
            push(
                ResourceKind::InferenceProfile,
                &o.name,
                "managed by this stack",
                vec![FieldDiff::new("arn", json!(o.arn), Value::Null)],
                vec![Chain {
                    rank: 1,
                    steps: vec![Step::DeleteProfile {
                        name: o.name.clone(),
                        arn: o.arn.clone(),
                    }],
                }],
            );
        }
    }
    if let Some(o) = &observed.logging {
        // The configuration is the account's: delete it only when it is this stack's.
        if o.role_arn == desired.logging.role_arn || o.log_group == desired.logging.log_group {
            push(
                ResourceKind::LoggingConfiguration,
                &desired.region,
                "points at this stack's role and log group",
                vec![],
                vec![Chain {
                    rank: 2,
                    steps: vec![Step::DeleteLogging],
                }],
            );
        } else {
            kept.push(Kept {
                kind: ResourceKind::LoggingConfiguration,
                name: desired.region.clone(),
                reason: "points at resources of another stack".into(),
            });
        }
    }
    if let Some(o) = &observed.role {
        if desired.owns(&o.tags) {
            let mut steps: Vec<Step> = o
                .inline
                .keys()
                .map(|n| Step::DeleteRolePolicy {
                    role: desired.role.name.clone(),
                    name: n.clone(),
                })
                .collect();
            steps.extend(o.attached.iter().map(|a| Step::DetachRolePolicy {
                role: desired.role.name.clone(),
                arn: a.clone(),
            }));
            steps.push(Step::DeleteRole {
                name: desired.role.name.clone(),
            });
            push(
                ResourceKind::Role,
                &desired.role.name,
                "managed by this stack",
                vec![],
                vec![Chain { rank: 3, steps }],
            );
        } else {
            kept.push(Kept {
                kind: ResourceKind::Role,
                name: desired.role.name.clone(),
                reason: "not managed by this stack".into(),
            });
        }
    }
    if let (Some(rt), Some(o)) = (&desired.runtime, &observed.runtime_role) {
        if desired.owns(&o.tags) && o.policy.is_some() {
            push(
                ResourceKind::RuntimeRole,
                &rt.role,
                "this stack's policy on LibreChat's role (the role itself stays)",
                vec![],
                vec![Chain {
                    rank: 3,
                    steps: vec![Step::DeleteRolePolicy {
                        role: rt.role.clone(),
                        name: runtime_policy_name().to_string(),
                    }],
                }],
            );
        }
    }
    if let Some(o) = &observed.log_group {
        if !desired.owns(&o.tags) {
            kept.push(Kept {
                kind: ResourceKind::LogGroup,
                name: o.name.clone(),
                reason: "not managed by this stack".into(),
            });
        } else if delete_data {
            push(
                ResourceKind::LogGroup,
                &o.name,
                "managed by this stack; --delete-data deletes it and every log event in it",
                vec![],
                vec![Chain {
                    rank: 4,
                    steps: vec![Step::DeleteLogGroup {
                        name: o.name.clone(),
                    }],
                }],
            );
        } else {
            kept.push(Kept {
                kind: ResourceKind::LogGroup,
                name: o.name.clone(),
                reason: "holds the invocation logs: pass --delete-data to delete it".into(),
            });
        }
    }
    if let BucketState::Present(o) = &observed.bucket {
        let name = desired.bucket.name.clone();
        if !desired.owns(&o.tags) {
            kept.push(Kept {
                kind: ResourceKind::Bucket,
                name,
                reason: "not managed by this stack".into(),
            });
        } else if delete_data {
            push(
                ResourceKind::Bucket,
                &name,
                "managed by this stack; --delete-data deletes it and every object in it",
                vec![],
                vec![Chain {
                    rank: 4,
                    steps: vec![Step::EmptyAndDeleteBucket { name: name.clone() }],
                }],
            );
        } else {
            kept.push(Kept {
                kind: ResourceKind::Bucket,
                name,
                reason: "holds the large payloads: pass --delete-data to delete it".into(),
            });
        }
    }
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        stack: desired.stack.clone(),
        account_id: observed.account_id.clone(),
        region: desired.region.clone(),
        changes,
        kept,
    })
}

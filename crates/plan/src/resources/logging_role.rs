//! The IAM role Bedrock assumes to write invocation logs: its trust policy and exactly the
//! spec's inline policies (least privilege: any other inline or attached policy is removed).
//! IAM is global: when other regions' logging goes through the role too (`regions`), its
//! documents are the union of each region's rendering, and destroy keeps it for them.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::policy_doc;
use crate::regions;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{Inputs, KindPlanner};
use crate::resources::logging_config::LoggingSettings;
use crate::tagging::Tagged;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const KIND: Kind = Kind {
    id: "role",
    label: "role",
    spec_key: "[logging] role_name",
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
    pub arn: String,
    pub trust: Value,
    /// Inline policies by name.
    pub inline: BTreeMap<String, Value>,
    /// The templates, to render the documents for other regions that log through the role.
    #[serde(skip)]
    pub templates: Option<Templates>,
}

/// The templates of the role's documents and the values they are filled from.
#[derive(Debug, Clone, PartialEq)]
pub struct Templates {
    trust: bedrock_policy::Template,
    cloudwatch: bedrock_policy::Template,
    s3: bedrock_policy::Template,
    values: bedrock_policy::Placeholders,
}

/// The role's documents for a set of regions.
#[derive(Debug, Clone, PartialEq)]
struct Documents {
    trust: Value,
    inline: BTreeMap<String, Value>,
}

impl Templates {
    pub fn new(
        templates: &[bedrock_policy::Template],
        values: &bedrock_policy::Placeholders,
    ) -> Option<Self> {
        use bedrock_policy::PolicyKind;
        let find = |kind| templates.iter().find(|t| t.kind == kind).cloned();
        Some(Templates {
            trust: find(PolicyKind::LoggingTrust)?,
            cloudwatch: find(PolicyKind::LoggingCloudWatch)?,
            s3: find(PolicyKind::LoggingS3)?,
            values: values.clone(),
        })
    }

    /// The documents another region needs, for the destinations its logging uses.
    fn for_region(
        &self,
        region: &str,
        logging: &LoggingSettings,
    ) -> Result<Documents, bedrock_policy::PolicyError> {
        use bedrock_policy::{render, PolicyKind};
        let mut values = self.values.clone().set("region", region);
        if let Some(group) = &logging.log_group {
            values = values.set("log_group", group);
        }
        if let Some(bucket) = &logging.large_data_bucket {
            let prefix = logging.large_data_key_prefix.clone().unwrap_or_default();
            let object_prefix = if prefix.is_empty() {
                String::new()
            } else {
                format!("{}/", prefix.trim_end_matches('/'))
            };
            values = values
                .set("bucket", bucket)
                .set("key_prefix", prefix)
                .set("object_prefix", object_prefix);
        }
        let mut inline = BTreeMap::new();
        let name = |kind: PolicyKind| kind.inline_policy_name().unwrap_or_default().to_string();
        if logging.log_group.is_some() {
            inline.insert(
                name(PolicyKind::LoggingCloudWatch),
                render(&self.cloudwatch, &values)?.document,
            );
        }
        if logging.large_data_bucket.is_some() {
            inline.insert(
                name(PolicyKind::LoggingS3),
                render(&self.s3, &values)?.document,
            );
        }
        Ok(Documents {
            trust: render(&self.trust, &values)?.document,
            inline,
        })
    }
}

/// The role's documents for this region (unless `ours` is false: destroy) and every other
/// region whose logging goes through the role; None when no region is left.
fn documents(p: &mut Planner, ours: bool) -> Option<Documents> {
    let d = &p.desired.role;
    let mut all = Vec::new();
    if ours {
        all.push(Documents {
            trust: d.trust.clone(),
            inline: d.inline.clone(),
        });
    }
    let others: Vec<_> = regions::using_role(p)
        .map(|e| (e.region.clone(), e.logging.clone().unwrap_or_default()))
        .collect();
    for (region, logging) in others {
        let rendered = match &d.templates {
            Some(t) => t.for_region(&region, &logging).map_err(|e| e.to_string()),
            None => Err("the role's templates were not loaded".to_string()),
        };
        match rendered {
            Ok(docs) => all.push(docs),
            Err(e) => {
                p.problems.push(format!(
                    "the logging role's documents cannot be rendered for {region}, whose invocation logging goes through role {}: {e}",
                    d.name
                ));
                return None;
            }
        }
    }
    if all.is_empty() {
        return None;
    }
    let mut names: Vec<&String> = all.iter().flat_map(|docs| docs.inline.keys()).collect();
    names.sort();
    names.dedup();
    let inline = names
        .into_iter()
        .map(|name| {
            let docs: Vec<Value> = all
                .iter()
                .filter_map(|docs| docs.inline.get(name).cloned())
                .collect();
            (name.clone(), policy_doc::union(&docs))
        })
        .collect();
    let trust: Vec<Value> = all.iter().map(|docs| docs.trust.clone()).collect();
    Some(Documents {
        trust: policy_doc::union(&trust),
        inline,
    })
}

pub fn desired(i: &Inputs) -> Desired {
    use bedrock_policy::PolicyKind;
    let name = i.spec.logging.role_name.clone();
    let mut inline = BTreeMap::new();
    for kind in [PolicyKind::LoggingCloudWatch, PolicyKind::LoggingS3] {
        if let Some(policy) = kind.inline_policy_name() {
            inline.insert(policy.to_string(), i.policy(kind));
        }
    }
    Desired {
        arn: role_arn(i),
        name,
        trust: i.policy(PolicyKind::LoggingTrust),
        inline,
        templates: None,
    }
}

/// The logging role's ARN in the account.
pub fn role_arn(i: &Inputs) -> String {
    format!(
        "arn:{}:iam::{}:role/{}",
        i.spec.partition(),
        i.account_id,
        i.spec.logging.role_name
    )
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub arn: String,
    /// The trust policy, decoded (IAM returns it URL-encoded).
    pub trust: Value,
    /// Inline policies by name, decoded.
    pub inline: BTreeMap<String, Value>,
    /// ARNs of attached managed policies.
    pub attached: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// The role steps, shared with LibreChat's role (`runtime_policy`), which is tagged and
/// given one inline policy the same way.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    CreateRole {
        name: String,
        trust: Value,
        tags: BTreeMap<String, String>,
    },
    UpdateTrust {
        name: String,
        trust: Value,
    },
    PutRolePolicy {
        role: String,
        name: String,
        document: Value,
    },
    DeleteRolePolicy {
        role: String,
        name: String,
    },
    DetachRolePolicy {
        role: String,
        arn: String,
    },
    DeleteRole {
        name: String,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateRole { name, .. } => format!("create role {name}"),
            Step::UpdateTrust { name, .. } => format!("update the trust policy of role {name}"),
            Step::PutRolePolicy { role, name, .. } => format!("put policy {name} on role {role}"),
            Step::DeleteRolePolicy { role, name } => {
                format!("delete policy {name} from role {role}")
            }
            Step::DetachRolePolicy { role, arn } => format!("detach {arn} from role {role}"),
            Step::DeleteRole { name } => format!("delete role {name}"),
        }
    }
}

fn put_policy(role: &str, name: &str, document: &Value) -> Chain {
    Chain::one(
        Phase::Settings,
        Step::PutRolePolicy {
            role: role.to_string(),
            name: name.to_string(),
            document: document.clone(),
        },
    )
}

fn plan(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    retire_previous(
        p,
        Phase::Retire,
        "the spec's [logging] role_name replaced it: deleted once the configuration points at the new role",
    );
    if !p.desired.logging_to_cloudwatch {
        // S3 alone needs no role: this region stops using it, after the configuration no
        // longer names it.
        release(
            p,
            Phase::Retire,
            "no longer needed: [logging] destinations has no \"cloudwatch\"",
        );
        return;
    }
    let mut d = p.desired.role.clone();
    // Other regions that log through the role keep what they need of it.
    let Some(docs) = documents(p, true) else {
        return;
    };
    d.trust = docs.trust;
    d.inline = docs.inline;
    let Some(o) = p.observed.role.clone() else {
        let mut diffs = vec![FieldDiff::policy("trust", None, &d.trust)];
        let mut steps = vec![Chain::one(
            Phase::Foundations,
            Step::CreateRole {
                name: d.name.clone(),
                trust: d.trust.clone(),
                tags: p.desired.managed_tags.clone(),
            },
        )];
        for (name, doc) in &d.inline {
            diffs.push(FieldDiff::policy(&format!("policy {name}"), None, doc));
            steps.push(put_policy(&d.name, name, doc));
        }
        p.push(
            KIND,
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
    let tagged = Tagged::Role {
        name: d.name.clone(),
    };
    let Some(action) = p.ownership(KIND, &d.name, &o.tags, tagged, &mut diffs, &mut steps) else {
        return;
    };
    converge(&d, &o, &mut diffs, &mut steps);
    p.settle(KIND, &d.name, action, "differs from the spec", diffs, steps);
}

/// The diffs and steps that bring role `o` to the documents of `d`, and nothing more.
fn converge(d: &Desired, o: &Observed, diffs: &mut Vec<FieldDiff>, steps: &mut Vec<Chain>) {
    if !policy_doc::equivalent(&o.trust, &d.trust) {
        diffs.push(FieldDiff::policy("trust", Some(&o.trust), &d.trust));
        steps.push(Chain::one(
            Phase::Settings,
            Step::UpdateTrust {
                name: d.name.clone(),
                trust: d.trust.clone(),
            },
        ));
    }
    for (name, doc) in &d.inline {
        let current = o.inline.get(name);
        if !current.is_some_and(|c| policy_doc::equivalent(c, doc)) {
            diffs.push(FieldDiff::policy(&format!("policy {name}"), current, doc));
            steps.push(put_policy(&d.name, name, doc));
        }
    }
    // Least privilege: the role holds exactly the spec's policies.
    let extra = o
        .inline
        .iter()
        .filter(|(name, _)| !d.inline.contains_key(*name))
        .map(|(name, doc)| (name.clone(), doc.clone()))
        .collect();
    strip(&d.name, extra, &o.attached, diffs, steps);
}

fn destroy(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    release(p, Phase::Foundations, "managed by this stack");
    retire_previous(
        p,
        Phase::Foundations,
        "managed by this stack (under the role_name the spec had before)",
    );
}

/// The stack's role under an earlier name, which the configuration still points at: deleted
/// (its policies first) in `phase`, after the configuration is repointed or deleted.
fn retire_previous(p: &mut Planner, phase: Phase, reason: &str) {
    let Some((name, o)) = p.observed.previous_role.clone() else {
        return;
    };
    if name == p.desired.role.name || !p.owns(&o.tags) {
        return;
    }
    let steps = deletion(&name, &o);
    p.delete(KIND, &name, reason, vec![], vec![Chain { phase, steps }]);
}

/// IAM deletes a role only once it holds no policy: its policies go first, in one chain.
fn deletion(role: &str, o: &Observed) -> Vec<crate::registry::Step> {
    let inline: Vec<String> = o.inline.keys().cloned().collect();
    deletion_steps(role, &inline, &o.attached)
}

/// A role's deletion, as IAM takes it (shared with LibreChat's role and the sweep): its
/// inline policies deleted and its managed ones detached, then the role.
pub fn deletion_steps(
    role: &str,
    inline: &[String],
    attached: &[String],
) -> Vec<crate::registry::Step> {
    let mut steps: Vec<crate::registry::Step> = inline
        .iter()
        .map(|name| {
            Step::DeleteRolePolicy {
                role: role.to_string(),
                name: name.clone(),
            }
            .into()
        })
        .collect();
    steps.extend(attached.iter().map(|arn| {
        Step::DetachRolePolicy {
            role: role.to_string(),
            arn: arn.clone(),
        }
        .into()
    }));
    steps.push(
        Step::DeleteRole {
            name: role.to_string(),
        }
        .into(),
    );
    steps
}

/// Least privilege (shared with LibreChat's role): each inline policy the role should not
/// hold (name, document or what is known of it) deleted, each managed one detached.
pub fn strip(
    role: &str,
    inline: Vec<(String, Value)>,
    attached: &[String],
    diffs: &mut Vec<FieldDiff>,
    steps: &mut Vec<Chain>,
) {
    for (name, doc) in inline {
        diffs.push(FieldDiff::new(&format!("policy {name}"), doc, Value::Null));
        steps.push(Chain::one(
            Phase::Settings,
            Step::DeleteRolePolicy {
                role: role.to_string(),
                name,
            },
        ));
    }
    for arn in attached {
        diffs.push(FieldDiff::new("attached policy", json!(arn), Value::Null));
        steps.push(Chain::one(
            Phase::Settings,
            Step::DetachRolePolicy {
                role: role.to_string(),
                arn: arn.clone(),
            },
        ));
    }
}

/// This region stops using the role: it stays, trusting only the other regions that still
/// log through it, or is deleted (its policies first) in `phase`.
fn release(p: &mut Planner, phase: Phase, reason: &str) {
    let Some(o) = p.observed.role.clone() else {
        return;
    };
    let role = p.desired.role.name.clone();
    if !p.owns(&o.tags) {
        p.keep(KIND, &role, "not managed by this stack");
        return;
    }
    // IAM is global: a role other regions still log through stays, for them only.
    let others: Vec<String> = regions::using_role(p).map(|e| e.region.clone()).collect();
    if !others.is_empty() {
        let Some(docs) = documents(p, false) else {
            return;
        };
        let mut d = p.desired.role.clone();
        d.trust = docs.trust;
        d.inline = docs.inline;
        let (mut diffs, mut steps) = (Vec::new(), Vec::new());
        converge(&d, &o, &mut diffs, &mut steps);
        let reason = format!(
            "kept: the invocation logging of {} goes through it; it stops trusting {}",
            others.join(", "),
            p.desired.region
        );
        if steps.is_empty() {
            p.keep(KIND, &role, reason);
        } else {
            p.push(KIND, &role, Action::Update, reason, diffs, steps);
        }
        return;
    }
    let steps = deletion(&role, &o);
    p.delete(KIND, &role, reason, vec![], vec![Chain { phase, steps }]);
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    if !d.logging_managed || !d.logging_to_cloudwatch {
        return;
    }
    let r = &d.role;
    let live = o.role.as_ref().filter(|l| d.owns(&l.tags));
    let output = live.map(|l| Output::new(KIND.id, &r.name, Some(&l.arn)));
    out.found(&KIND, &r.name, output);
}

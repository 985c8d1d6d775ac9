//! The IAM role Bedrock assumes to write invocation logs: its trust policy and exactly the
//! spec's inline policies (least privilege: any other inline or attached policy is removed).

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::plan::Planner;
use crate::policy_doc;
use crate::registry::{Inputs, KindPlanner};
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
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desired {
    pub name: String,
    pub arn: String,
    pub trust: Value,
    /// Inline policies by name.
    pub inline: BTreeMap<String, Value>,
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
    TagRole {
        name: String,
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
            Step::TagRole { name, .. } => format!("tag role {name}"),
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
    let d = p.desired.role.clone();
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
    let tag = Step::TagRole {
        name: d.name.clone(),
        tags: p.desired.managed_tags.clone(),
    };
    let Some(action) = p.ownership(KIND, &d.name, &o.tags, tag.into(), &mut diffs, &mut steps)
    else {
        return;
    };
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
    for (name, doc) in &o.inline {
        if !d.inline.contains_key(name) {
            diffs.push(FieldDiff::new(
                &format!("policy {name}"),
                doc.clone(),
                Value::Null,
            ));
            steps.push(Chain::one(
                Phase::Settings,
                Step::DeleteRolePolicy {
                    role: d.name.clone(),
                    name: name.clone(),
                },
            ));
        }
    }
    for arn in &o.attached {
        diffs.push(FieldDiff::new("attached policy", json!(arn), Value::Null));
        steps.push(Chain::one(
            Phase::Settings,
            Step::DetachRolePolicy {
                role: d.name.clone(),
                arn: arn.clone(),
            },
        ));
    }
    p.settle(KIND, &d.name, action, "differs from the spec", diffs, steps);
}

fn destroy(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    let Some(o) = p.observed.role.clone() else {
        return;
    };
    let role = p.desired.role.name.clone();
    if !p.owns(&o.tags) {
        p.keep(KIND, &role, "not managed by this stack");
        return;
    }
    // IAM deletes a role only once it holds no policy: its policies go first, in one chain.
    let mut steps: Vec<_> = o
        .inline
        .keys()
        .map(|name| {
            Step::DeleteRolePolicy {
                role: role.clone(),
                name: name.clone(),
            }
            .into()
        })
        .collect();
    steps.extend(o.attached.iter().map(|arn| {
        Step::DetachRolePolicy {
            role: role.clone(),
            arn: arn.clone(),
        }
        .into()
    }));
    steps.push(Step::DeleteRole { name: role.clone() }.into());
    p.delete(
        KIND,
        &role,
        "managed by this stack",
        vec![],
        vec![Chain {
            phase: Phase::Foundations,
            steps,
        }],
    );
}

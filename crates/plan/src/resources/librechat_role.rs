//! LibreChat's role, created and owned by the stack (`[librechat.role]`): its trust policy,
//! for where LibreChat runs, in the forms AWS documents them (ECS's "Amazon ECS task IAM
//! role", EKS's "Learn how EKS Pod Identity grants pods access to AWS services" and "Assign
//! IAM roles to Kubernetes service accounts", IAM's "Use an IAM role to grant permissions to
//! applications running on Amazon EC2 instances"), and, for EC2, an instance profile of its
//! name. The invoke policy on it is `runtime_policy`'s, as on a `runtime_role`; nothing else
//! stays on it (least privilege). Destroy deletes it unless another region's stack policy is
//! still on it.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::policy_doc;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{Inputs, KindPlanner};
use crate::resources::{logging_role, runtime_policy};
use crate::tagging::Tagged;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

mod made;
mod trust;
pub use made::MadeIdentity;
pub use trust::trust;

pub const KIND: Kind = Kind {
    id: "librechat_role",
    label: "role for LibreChat",
    spec_key: "[librechat.role] name",
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
    /// An instance profile of the role's name (`ec2 = true`).
    pub instance_profile: bool,
    /// What LibreChat's side sets, for `outputs`: (key, value with `{arn}` for the role's).
    #[serde(skip)]
    pub hints: Vec<(&'static str, String)>,
}

pub fn desired(i: &Inputs) -> Option<Desired> {
    let role = i.spec.librechat.role.as_ref()?;
    let partition = i.spec.partition();
    let arn = format!("arn:{partition}:iam::{}:role/{}", i.account_id, role.name);
    let mut hints = Vec::new();
    if role.ecs {
        hints.push(("ecs_task_role_arn", "{arn}".to_string()));
    }
    if role.eks_pod_identity {
        hints.push((
            "eks_pod_identity",
            "aws eks create-pod-identity-association --cluster-name CLUSTER --namespace NAMESPACE --service-account SERVICE_ACCOUNT --role-arn {arn}".to_string(),
        ));
    }
    if role.irsa.is_some() {
        hints.push((
            "service_account_annotation",
            "eks.amazonaws.com/role-arn: {arn}".to_string(),
        ));
    }
    if role.ec2 {
        hints.push(("instance_profile", role.name.clone()));
    }
    Some(Desired {
        trust: trust(role, partition, &i.spec.stack.region, i.account_id),
        name: role.name.clone(),
        arn,
        instance_profile: role.ec2,
        hints,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub arn: String,
    pub trust: Value,
    pub tags: BTreeMap<String, String>,
    /// The names of its inline policies.
    pub inline: Vec<String>,
    /// ARNs of its attached managed policies.
    pub attached: Vec<String>,
}

/// The tag that marks a role the stack made for LibreChat, beside the stack's own: a
/// `runtime_role` the user made and tagged for the stack is never deleted, a made one is
/// once the spec no longer names it.
pub const MADE_TAG: &str = "librechat-bedrock:made";
pub const MADE_VALUE: &str = "librechat-role";

/// A role of this stack's carrying [`MADE_TAG`], as the account's role listing shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Made {
    pub name: String,
    pub inline: Vec<String>,
    pub attached: Vec<String>,
    /// The instance profiles it is in.
    pub instance_profiles: Vec<String>,
    /// The instance profile of its name, whether or not it is in it.
    pub own_profile: Option<InstanceProfile>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceProfile {
    /// The roles in it (IAM allows one).
    pub roles: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    CreateRole {
        name: String,
        trust: Value,
        tags: BTreeMap<String, String>,
    },
    CreateInstanceProfile {
        name: String,
        tags: BTreeMap<String, String>,
    },
    AddRoleToInstanceProfile {
        profile: String,
        role: String,
    },
    RemoveRoleFromInstanceProfile {
        profile: String,
        role: String,
    },
    DeleteInstanceProfile {
        name: String,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateRole { name, .. } => format!("create LibreChat's role {name}"),
            Step::CreateInstanceProfile { name, .. } => format!("create instance profile {name}"),
            Step::AddRoleToInstanceProfile { profile, role } => {
                format!("add role {role} to instance profile {profile}")
            }
            Step::RemoveRoleFromInstanceProfile { profile, role } => {
                format!("remove role {role} from instance profile {profile}")
            }
            Step::DeleteInstanceProfile { name } => format!("delete instance profile {name}"),
        }
    }
}

fn plan(p: &mut Planner) {
    let keep = p.desired.librechat_role.as_ref().map(|d| d.name.clone());
    retire_made(
        p,
        Phase::Retire,
        keep.as_deref(),
        "made by this stack for LibreChat, and no longer [librechat.role]",
    );
    let Some(d) = p.desired.librechat_role.clone() else {
        return;
    };
    for arn in p.observed.librechat_missing_principals.clone() {
        p.problems.push(format!(
            "[librechat.role] principals names {arn}, which does not exist in account {}: IAM refuses a trust policy naming it (\"Invalid principal in policy\")\n  help: create it first, or remove it from principals",
            p.observed.account_id
        ));
    }
    if !p.observed.librechat_missing_principals.is_empty() {
        return;
    }
    let Some(o) = p.observed.librechat_role.clone() else {
        let mut diffs = vec![FieldDiff::policy("trust", None, &d.trust)];
        let mut steps = vec![Chain::one(
            Phase::Foundations,
            Step::CreateRole {
                name: d.name.clone(),
                trust: d.trust.clone(),
                tags: made_tags(p),
            },
        )];
        if d.instance_profile {
            let existing = p.observed.librechat_instance_profile.clone();
            if let Some(ip) = &existing {
                if !ip.roles.is_empty() || !p.owns(&ip.tags) {
                    foreign_profile(p, &d.name, ip);
                    return;
                }
            }
            diffs.push(FieldDiff::new(
                "instance profile",
                Value::Null,
                json!(d.name),
            ));
            steps.push(add_profile(
                &d.name,
                &p.desired.managed_tags,
                existing.is_none(),
            ));
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
    let Some(action) = p.ownership(
        KIND,
        &d.name,
        &o.tags,
        tagged.clone(),
        &mut diffs,
        &mut steps,
    ) else {
        return;
    };
    let made = MadeIdentity {
        what: format!("role {}", d.name),
        origin: " (a [librechat] runtime_role, or tagged by hand)",
        spec_key: "[librechat.role]",
        rename: "another name",
        value: MADE_VALUE,
    };
    let Some(action) = made.ownership(p, action, &o.tags, tagged, &mut diffs, &mut steps) else {
        return;
    };
    if !policy_doc::equivalent(&o.trust, &d.trust) {
        diffs.push(FieldDiff::policy("trust", Some(&o.trust), &d.trust));
        steps.push(Chain::one(
            Phase::Settings,
            logging_role::Step::UpdateTrust {
                name: d.name.clone(),
                trust: d.trust.clone(),
            },
        ));
    }
    // Least privilege: the stack's invoke policies (runtime_policy's) and nothing else.
    let extra = o
        .inline
        .iter()
        .filter(|n| !runtime_policy::is_stack_policy(n))
        .map(|n| (n.clone(), json!("present")))
        .collect();
    logging_role::strip(&d.name, extra, &o.attached, &mut diffs, &mut steps);
    match (
        &p.observed.librechat_instance_profile.clone(),
        d.instance_profile,
    ) {
        (None, true) => {
            diffs.push(FieldDiff::new(
                "instance profile",
                Value::Null,
                json!(d.name),
            ));
            steps.push(add_profile(&d.name, &p.desired.managed_tags, true));
        }
        (Some(ip), true) if !ip.roles.contains(&d.name) => {
            if !ip.roles.is_empty() || !p.owns(&ip.tags) {
                foreign_profile(p, &d.name, ip);
                return;
            }
            diffs.push(FieldDiff::new(
                "instance profile",
                json!("without the role"),
                json!(d.name),
            ));
            steps.push(add_profile(&d.name, &p.desired.managed_tags, false));
        }
        (Some(ip), false) if p.owns(&ip.tags) => {
            diffs.push(FieldDiff::new(
                "instance profile",
                json!(d.name),
                Value::Null,
            ));
            steps.push(Chain {
                phase: Phase::Retire,
                steps: remove_profile(&d.name, ip),
            });
        }
        _ => {}
    }
    if action == Action::Adopt && !steps.is_empty() {
        let reason = "taken over with --adopt: the stack owns it now, and destroy deletes it";
        p.push(KIND, &d.name, action, reason, diffs, steps);
        return;
    }
    p.settle(KIND, &d.name, action, "differs from the spec", diffs, steps);
}

/// The IAM roles and users of `account` that a trust policy names (`Principal.AWS`).
pub fn account_principals(trust: &Value, account: &str) -> Vec<String> {
    let statements = match &trust["Statement"] {
        Value::Array(list) => list.clone(),
        other => vec![other.clone()],
    };
    let mut out = Vec::new();
    for statement in statements {
        let names = match &statement["Principal"]["AWS"] {
            Value::String(one) => vec![one.clone()],
            Value::Array(list) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        out.extend(names.into_iter().filter(|arn| {
            arn.contains(&format!(":iam::{account}:role/"))
                || arn.contains(&format!(":iam::{account}:user/"))
        }));
    }
    out
}

/// An instance profile of the role's name that is not the stack's to give the role.
fn foreign_profile(p: &mut Planner, name: &str, ip: &InstanceProfile) {
    let holds = if ip.roles.is_empty() {
        "no role".to_string()
    } else {
        ip.roles.join(", ")
    };
    p.problems.push(format!(
        "instance profile {name} exists and is not this stack's (it holds {holds}): LibreChat's role cannot get an instance profile of its name\n  help: delete or rename that instance profile, or choose another [librechat.role] name"
    ));
}

fn made_tags(p: &Planner) -> BTreeMap<String, String> {
    let mut tags = p.desired.managed_tags.clone();
    tags.insert(MADE_TAG.to_string(), MADE_VALUE.to_string());
    tags
}

/// The roles the stack made for LibreChat that the spec no longer names: deleted whole in
/// `phase` (out of their instance profiles, the one of their name deleted; their policies,
/// the stack's invoke policy included; then the role).
fn retire_made(p: &mut Planner, phase: Phase, keep: Option<&str>, reason: &str) {
    for made in p.observed.librechat_made.clone() {
        if Some(made.name.as_str()) == keep {
            continue;
        }
        let mut steps: Vec<crate::registry::Step> = Vec::new();
        for profile in &made.instance_profiles {
            steps.push(
                Step::RemoveRoleFromInstanceProfile {
                    profile: profile.clone(),
                    role: made.name.clone(),
                }
                .into(),
            );
        }
        // The stack's instance profile of its name goes too, held or emptied out of band.
        if let Some(ip) = made.own_profile.as_ref().filter(|ip| p.owns(&ip.tags)) {
            for role in ip
                .roles
                .iter()
                .filter(|r| !made.instance_profiles.contains(&made.name) || **r != made.name)
            {
                steps.push(
                    Step::RemoveRoleFromInstanceProfile {
                        profile: made.name.clone(),
                        role: role.clone(),
                    }
                    .into(),
                );
            }
            steps.push(
                Step::DeleteInstanceProfile {
                    name: made.name.clone(),
                }
                .into(),
            );
        }
        steps.extend(logging_role::deletion_steps(
            &made.name,
            &made.inline,
            &made.attached,
        ));
        p.delete(
            KIND,
            &made.name,
            reason,
            vec![],
            vec![Chain { phase, steps }],
        );
    }
}

/// The instance profile, created (with `create`) and given the role, in one chain.
fn add_profile(name: &str, tags: &BTreeMap<String, String>, create: bool) -> Chain {
    let mut steps: Vec<crate::registry::Step> = Vec::new();
    if create {
        steps.push(
            Step::CreateInstanceProfile {
                name: name.to_string(),
                tags: tags.clone(),
            }
            .into(),
        );
    }
    steps.push(
        Step::AddRoleToInstanceProfile {
            profile: name.to_string(),
            role: name.to_string(),
        }
        .into(),
    );
    Chain {
        phase: Phase::Settings,
        steps,
    }
}

/// The instance profile emptied and deleted.
fn remove_profile(name: &str, ip: &InstanceProfile) -> Vec<crate::registry::Step> {
    let mut steps: Vec<crate::registry::Step> = ip
        .roles
        .iter()
        .map(|role| {
            Step::RemoveRoleFromInstanceProfile {
                profile: name.to_string(),
                role: role.clone(),
            }
            .into()
        })
        .collect();
    steps.push(
        Step::DeleteInstanceProfile {
            name: name.to_string(),
        }
        .into(),
    );
    steps
}

fn destroy(p: &mut Planner) {
    let keep = p.desired.librechat_role.as_ref().map(|d| d.name.clone());
    retire_made(
        p,
        Phase::Foundations,
        keep.as_deref(),
        "made by this stack for LibreChat (under a [librechat.role] name the spec had before)",
    );
    let (Some(d), Some(o)) = (
        p.desired.librechat_role.clone(),
        p.observed.librechat_role.clone(),
    ) else {
        return;
    };
    if !p.owns(&o.tags) {
        p.keep(KIND, &d.name, "not managed by this stack");
        return;
    }
    // This region's policy comes off first (runtime_policy, in an earlier phase of destroy);
    // another region's keeps the role for that region's stack.
    let names = runtime_policy::other_regions(&o.inline, &p.desired.region);
    if !names.is_empty() {
        p.keep(
            KIND,
            &d.name,
            format!(
                "kept: the stack's policies for other regions are on it ({})",
                names.join(", ")
            ),
        );
        return;
    }
    let mut steps: Vec<crate::registry::Step> = Vec::new();
    // IAM deletes a role only out of every instance profile: the stack's own is deleted, one
    // of someone else's only loses the role.
    if let Some(ip) = &p.observed.librechat_instance_profile {
        if p.owns(&ip.tags) {
            steps.extend(remove_profile(&d.name, ip));
        } else if ip.roles.contains(&d.name) {
            steps.push(
                Step::RemoveRoleFromInstanceProfile {
                    profile: d.name.clone(),
                    role: d.name.clone(),
                }
                .into(),
            );
        }
    }
    // This region's policy goes in runtime_policy's destroy, before this.
    let inline: Vec<String> = o
        .inline
        .iter()
        .filter(|n| !runtime_policy::is_stack_policy(n))
        .cloned()
        .collect();
    steps.extend(logging_role::deletion_steps(&d.name, &inline, &o.attached));
    p.delete(
        KIND,
        &d.name,
        "managed by this stack",
        vec![],
        vec![Chain {
            phase: Phase::Foundations,
            steps,
        }],
    );
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    let Some(r) = &d.librechat_role else {
        return;
    };
    let live = o.librechat_role.as_ref().filter(|l| d.owns(&l.tags));
    let output = live.map(|l| {
        r.hints.iter().fold(
            Output::new(KIND.id, &r.name, Some(&l.arn)),
            |output, (key, value)| output.with(key, &value.replace("{arn}", &l.arn)),
        )
    });
    out.found(&KIND, &r.name, output);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stack_s_invoke_policies_are_its_own() {
        assert!(runtime_policy::is_stack_policy(
            "LibreChatBedrockInvoke-us-east-1"
        ));
        assert!(runtime_policy::is_stack_policy("LibreChatBedrockInvoke"));
        assert!(!runtime_policy::is_stack_policy("SomethingElse"));
    }
}

//! LibreChat's Bedrock API key (`[librechat.api_key]`): an IAM user the stack makes and
//! owns, LibreChat's invoke policy on it with `bedrock:CallWithBearerToken` for long-term
//! keys, and one long-term key (IAM `CreateServiceSpecificCredential` for
//! `bedrock.amazonaws.com`, with `CredentialAgeDays`), written into `.env` only. A plan
//! within `rotate_before_days` of its expiry makes a new key; the old one is deleted once
//! the new one is in `.env` ([`Phase::Revoke`]). Destroy deletes the keys, the policies and
//! the user.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::policy_doc;
use crate::registry::KindPlanner;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::resources::{librechat_role, runtime_policy};
use crate::tagging::Tagged;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

mod env;
pub mod keys;
use env::pending;
pub use env::{date, decision, env_key, env_key_of, env_lines};
pub use keys::{Decision, EnvKey, Key};

pub const KIND: Kind = Kind {
    id: "librechat_api_key",
    label: "API key user for LibreChat",
    spec_key: "[librechat.api_key] user",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

/// The service IAM makes Bedrock API keys for.
pub const SERVICE: &str = "bedrock.amazonaws.com";
/// The tag value that marks a user the stack made (with `librechat_role::MADE_TAG`).
pub const MADE_VALUE: &str = "librechat-api-key";

#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub user: String,
    pub arn: String,
    /// The inline policy's name (`runtime_policy::policy_name` of the stack's region).
    pub policy: String,
    pub expires_in_days: u32,
    pub rotate_before_days: u32,
    pub template: bedrock_policy::Template,
    pub values: bedrock_policy::Placeholders,
}

pub fn desired(
    spec: &bedrock_spec::Spec,
    account_id: &str,
    template: bedrock_policy::Template,
) -> Option<Desired> {
    let k = spec.librechat.api_key.as_ref()?;
    Some(Desired {
        arn: format!("arn:{}:iam::{account_id}:user/{}", spec.partition(), k.user),
        user: k.user.clone(),
        policy: runtime_policy::policy_name(&spec.stack.region),
        expires_in_days: k.expires_in_days,
        rotate_before_days: k.rotate_before_days,
        template,
        values: bedrock_policy::Placeholders::for_spec(spec, account_id),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    /// Its inline policies: name -> document.
    pub inline: BTreeMap<String, Value>,
    /// ARNs of its attached managed policies.
    pub attached: Vec<String>,
    /// Its Bedrock API keys.
    pub keys: Vec<Key>,
    /// When it was read, in seconds since the epoch: what expiry is measured from.
    pub read_at: i64,
}

/// A user of this stack's carrying the made mark, as the account's listing shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Made {
    pub name: String,
    pub inline: Vec<String>,
    pub attached: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    CreateUser {
        name: String,
        tags: BTreeMap<String, String>,
    },
    PutUserPolicy {
        user: String,
        name: String,
        document: Box<runtime_policy::InvokePolicy>,
    },
    DeleteUserPolicy {
        user: String,
        name: String,
    },
    DetachUserPolicy {
        user: String,
        arn: String,
    },
    /// A new key: its value is recorded for `.env` alone, never shown or saved.
    CreateApiKey {
        user: String,
        days: u32,
    },
    DeleteApiKey {
        user: String,
        id: String,
    },
    /// Its keys (`ListServiceSpecificCredentials` at the time) and the user.
    DeleteUser {
        name: String,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateUser { name, .. } => format!("create IAM user {name}"),
            Step::PutUserPolicy { user, name, .. } => format!("put policy {name} on user {user}"),
            Step::DeleteUserPolicy { user, name } => {
                format!("delete policy {name} from user {user}")
            }
            Step::DetachUserPolicy { user, arn } => format!("detach {arn} from user {user}"),
            Step::CreateApiKey { user, days } => {
                format!("create a Bedrock API key of user {user}, expiring in {days} days")
            }
            Step::DeleteApiKey { user, id } => {
                format!("delete Bedrock API key {id} of user {user}")
            }
            Step::DeleteUser { name } => format!("delete IAM user {name} and its keys"),
        }
    }
}

fn made_tags(p: &Planner) -> BTreeMap<String, String> {
    let mut tags = p.desired.managed_tags.clone();
    tags.insert(librechat_role::MADE_TAG.to_string(), MADE_VALUE.to_string());
    tags
}

fn plan(p: &mut Planner) {
    let keep = p.desired.api_key.as_ref().map(|d| d.user.clone());
    // Once the files are written: LibreChat keeps the old user's key until .env has the
    // new one (or no key).
    retire_made(
        p,
        Phase::Revoke,
        keep.as_deref(),
        "made by this stack for LibreChat's API key, and no longer [librechat.api_key]",
    );
    let Some(d) = p.desired.api_key.clone() else {
        return;
    };
    let mut diffs = Vec::new();
    let mut steps = Vec::new();
    let decided = decision(p);
    let making = matches!(decided, Some(Decision::Create { .. }));
    let was_pending = p.observed.api_key_user.as_ref().is_some_and(pending);
    let (action, reason, inline, attached) = match p.observed.api_key_user.clone() {
        None => {
            let mut tags = made_tags(p);
            if making {
                tags.insert(keys::PENDING_TAG.to_string(), "true".to_string());
            }
            steps.push(Chain::one(
                Phase::Foundations,
                Step::CreateUser {
                    name: d.user.clone(),
                    tags,
                },
            ));
            diffs.push(FieldDiff::new("user", Value::Null, json!(d.arn)));
            (
                Action::Create,
                "does not exist".to_string(),
                BTreeMap::new(),
                Vec::new(),
            )
        }
        Some(o) => {
            let tagged = Tagged::User {
                name: d.user.clone(),
            };
            let Some(action) = p.ownership(
                KIND,
                &d.user,
                &o.tags,
                tagged.clone(),
                &mut diffs,
                &mut steps,
            ) else {
                return;
            };
            let made = librechat_role::MadeIdentity {
                what: format!("IAM user {}", d.user),
                origin: "",
                spec_key: "[librechat.api_key]",
                rename: "another user",
                value: MADE_VALUE,
            };
            let Some(action) = made.ownership(p, action, &o.tags, tagged, &mut diffs, &mut steps)
            else {
                return;
            };
            (
                action,
                "differs from the spec".to_string(),
                o.inline,
                o.attached,
            )
        }
    };
    // The invoke policy, as on LibreChat's role, and the bearer-token permission.
    let Some(mut document) = runtime_policy::invoke_policy(p, &d.template, &d.values) else {
        if p.problems.is_empty() {
            p.problems.push("[librechat.api_key]: LibreChat calls no model of the stack's, so its key would have no permission\n  help: add a [[profiles]] entry or [librechat] models, or drop [librechat.api_key]".to_string());
        }
        return;
    };
    document.bearer = true;
    let shown = document.shown().unwrap_or(Value::Null);
    let current = inline.get(&d.policy);
    if !(document.is_known() && current.is_some_and(|c| policy_doc::equivalent(c, &shown))) {
        diffs.push(FieldDiff::policy(
            &format!("policy {}", d.policy),
            current,
            &shown,
        ));
        steps.push(Chain::one(
            Phase::Access,
            Step::PutUserPolicy {
                user: d.user.clone(),
                name: d.policy.clone(),
                document: Box::new(document),
            },
        ));
    }
    // Least privilege: the stack's invoke policies (any region's) and nothing else.
    for (name, doc) in inline
        .iter()
        .filter(|(n, _)| !runtime_policy::is_stack_policy(n))
    {
        diffs.push(FieldDiff::new(
            &format!("policy {name}"),
            doc.clone(),
            Value::Null,
        ));
        steps.push(Chain::one(
            Phase::Settings,
            Step::DeleteUserPolicy {
                user: d.user.clone(),
                name: name.clone(),
            },
        ));
    }
    for arn in &attached {
        diffs.push(FieldDiff::new("attached policy", json!(arn), Value::Null));
        steps.push(Chain::one(
            Phase::Settings,
            Step::DetachUserPolicy {
                user: d.user.clone(),
                arn: arn.clone(),
            },
        ));
    }
    let mut reason = reason;
    let user = Tagged::User {
        name: d.user.clone(),
    };
    let pending_tag = BTreeMap::from([(keys::PENDING_TAG.to_string(), "true".to_string())]);
    // The mark of an apply making a key comes off once the files are written.
    if was_pending || making {
        steps.push(Chain::one(
            Phase::Revoke,
            crate::tagging::Step::SetTags {
                resource: user.clone(),
                before: pending_tag.clone(),
                after: BTreeMap::new(),
            },
        ));
    }
    match decided {
        Some(Decision::Create {
            reason: why,
            before,
            after,
        }) => {
            diffs.push(FieldDiff::new(
                "API key",
                json!(after.first()),
                json!("(new key, written to .env)"),
            ));
            let mut chain: Vec<crate::registry::Step> = Vec::new();
            // Marked while it is made and written (keys::PENDING_TAG); a new user carries the
            // mark from its creation.
            if action != Action::Create && !was_pending {
                chain.push(
                    crate::tagging::Step::SetTags {
                        resource: user.clone(),
                        before: BTreeMap::new(),
                        after: pending_tag.clone(),
                    }
                    .into(),
                );
            }
            for id in &before {
                diffs.push(FieldDiff::new("API key", json!(id), Value::Null));
                chain.push(
                    Step::DeleteApiKey {
                        user: d.user.clone(),
                        id: id.clone(),
                    }
                    .into(),
                );
            }
            chain.push(
                Step::CreateApiKey {
                    user: d.user.clone(),
                    days: d.expires_in_days,
                }
                .into(),
            );
            steps.push(Chain {
                phase: Phase::Access,
                steps: chain,
            });
            for id in after {
                steps.push(Chain::one(
                    Phase::Revoke,
                    Step::DeleteApiKey {
                        user: d.user.clone(),
                        id,
                    },
                ));
            }
            if action != Action::Create {
                reason = format!("a new API key: {why}");
            }
        }
        Some(Decision::Keep { others, .. }) => {
            for id in others {
                diffs.push(FieldDiff::new("API key", json!(id), Value::Null));
                steps.push(Chain::one(
                    Phase::Retire,
                    Step::DeleteApiKey {
                        user: d.user.clone(),
                        id,
                    },
                ));
            }
        }
        Some(Decision::Elsewhere { key }) => {
            let expires = key.expires.map_or("never".to_string(), date);
            p.warnings.push(format!(
                "IAM user {user}'s Bedrock API key {id} (expiring {expires}) is not in this .env: AWS shows a key's secret once, so it lives in the .env it was first written to, and no new key is made here\n  help: run this where that .env is; or, to move the key here, delete it (`aws iam delete-service-specific-credential --user-name {user} --service-specific-credential-id {id}`) and apply again",
                user = d.user,
                id = key.id
            ));
        }
        None => {}
    }
    p.settle(KIND, &d.user, action, &reason, diffs, steps);
}

/// The users the stack made for LibreChat's key that the spec no longer names: deleted
/// whole (keys, policies, user).
fn retire_made(p: &mut Planner, phase: Phase, keep: Option<&str>, reason: &str) {
    for made in p.observed.api_key_made.clone() {
        if Some(made.name.as_str()) == keep {
            continue;
        }
        let steps = deletion_steps(&made.name, &made.inline, &made.attached);
        p.delete(
            KIND,
            &made.name,
            reason,
            vec![],
            vec![Chain { phase, steps }],
        );
    }
}

/// A user's policies off it, then its keys and the user.
pub fn deletion_steps(
    user: &str,
    inline: &[String],
    attached: &[String],
) -> Vec<crate::registry::Step> {
    let mut steps: Vec<crate::registry::Step> = inline
        .iter()
        .map(|n| {
            Step::DeleteUserPolicy {
                user: user.to_string(),
                name: n.clone(),
            }
            .into()
        })
        .collect();
    steps.extend(attached.iter().map(|a| {
        Step::DetachUserPolicy {
            user: user.to_string(),
            arn: a.clone(),
        }
        .into()
    }));
    steps.push(
        Step::DeleteUser {
            name: user.to_string(),
        }
        .into(),
    );
    steps
}

/// Whether `destroy` leaves the key's user in place: it is this stack's and holds the
/// stack's policy for another region, or it is not this stack's. Then `.env` keeps the key.
pub fn destroy_keeps_user(p: &Planner) -> bool {
    let (Some(_), Some(o)) = (&p.desired.api_key, &p.observed.api_key_user) else {
        return false;
    };
    !p.owns(&o.tags)
        || !runtime_policy::other_regions(o.inline.keys(), &p.desired.region).is_empty()
}

fn destroy(p: &mut Planner) {
    let keep = p.desired.api_key.as_ref().map(|d| d.user.clone());
    retire_made(
        p,
        Phase::Foundations,
        keep.as_deref(),
        "made by this stack for LibreChat's API key (under a user the spec had before)",
    );
    let (Some(d), Some(o)) = (p.desired.api_key.clone(), p.observed.api_key_user.clone()) else {
        return;
    };
    if !p.owns(&o.tags) {
        p.keep(KIND, &d.user, "not managed by this stack");
        return;
    }
    let names = runtime_policy::other_regions(o.inline.keys(), &p.desired.region);
    if !names.is_empty() {
        let steps = vec![Chain::one(
            Phase::Access,
            Step::DeleteUserPolicy {
                user: d.user.clone(),
                name: d.policy.clone(),
            },
        )];
        let reason = format!(
            "this region's policy {}; the user and its key stay for the stack's other regions ({})",
            d.policy,
            names.join(", ")
        );
        if o.inline.contains_key(&d.policy) {
            p.delete(KIND, &d.user, &reason, vec![], steps);
        }
        return;
    }
    let inline: Vec<String> = o.inline.keys().cloned().collect();
    // Its keys, each a write of its own; DeleteUser deletes any made since.
    let mut steps: Vec<crate::registry::Step> = o
        .keys
        .iter()
        .map(|k| {
            Step::DeleteApiKey {
                user: d.user.clone(),
                id: k.id.clone(),
            }
            .into()
        })
        .collect();
    steps.extend(deletion_steps(&d.user, &inline, &o.attached));
    p.delete(
        KIND,
        &d.user,
        "managed by this stack: its keys, its policies and the user",
        vec![],
        vec![Chain {
            phase: Phase::Foundations,
            steps,
        }],
    );
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    let Some(k) = &d.api_key else {
        return;
    };
    let live = o.api_key_user.as_ref().filter(|l| d.owns(&l.tags));
    let output = live.map(|l| {
        let listed: Vec<String> = l
            .keys
            .iter()
            .map(|key| {
                let state = if key.active { "active" } else { "inactive" };
                let expires = key.expires.map_or("never".to_string(), date);
                format!("{} ({state}, expires {expires})", key.id)
            })
            .collect();
        Output::new(KIND.id, &k.user, Some(&l.arn))
            .with("env", keys::VARIABLE)
            .with("keys", &listed.join(", "))
    });
    out.found(&KIND, &k.user, output);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_796_601_600), "2026-12-07");
        assert_eq!(date(951_782_400), "2000-02-29");
    }
}

//! LibreChat's own role (`[librechat] runtime_role`): the tool never creates or deletes it,
//! only its one inline policy, which lets LibreChat invoke exactly the stack's profiles and
//! the foundation models they route to. Its ARNs may be made by this very apply: the policy
//! holds typed references, rendered once apply knows them.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::policy_doc;
use crate::refs::{ArnRef, Outputs};
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{GuardrailUse, KindPlanner};
use crate::resources::{inference_profile, logging_role};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;

pub mod enforce;

pub const KIND: Kind = Kind {
    id: "runtime_role",
    label: "LibreChat role",
    spec_key: "[librechat] runtime_role",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

/// The name earlier versions gave the policy, for every region at once.
pub fn legacy_policy_name() -> &'static str {
    bedrock_policy::PolicyKind::LibreChatInvoke
        .inline_policy_name()
        .unwrap_or("LibreChatBedrockInvoke")
}

/// The inline policy this tool puts on LibreChat's role for the stack in `region`: one per
/// region, since the role is global and a stack applied in two regions serves LibreChat in
/// both (`LibreChatBedrockInvoke-us-east-1`).
pub fn policy_name(region: &str) -> String {
    format!("{}-{region}", legacy_policy_name())
}

/// Whether an inline policy is one the stack puts on LibreChat's identities (any region's,
/// or the one of earlier versions).
pub fn is_stack_policy(name: &str) -> bool {
    name == legacy_policy_name() || name.starts_with(&format!("{}-", legacy_policy_name()))
}

/// The stack's policies for other regions than `region` among `names`: while one is on
/// LibreChat's role or key user, that region's stack still needs it.
pub fn other_regions<'a>(
    names: impl IntoIterator<Item = &'a String>,
    region: &str,
) -> Vec<&'a str> {
    let here = policy_name(region);
    names
        .into_iter()
        .filter(|n| is_stack_policy(n) && **n != here && *n != legacy_policy_name())
        .map(String::as_str)
        .collect()
}

/// Roles other than the spec's `runtime_role` that are tagged for this stack and carry its
/// policy for the region (or the policy of earlier versions), found by one listing of the
/// account's roles; or why they could not be listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Elsewhere {
    /// Role name -> the stack's policy names on it.
    Found(BTreeMap<String, Vec<String>>),
    /// The listing was refused (`iam:GetAccountAuthorizationDetails`): nothing is retired.
    Unreadable(String),
}

impl Default for Elsewhere {
    fn default() -> Self {
        Elsewhere::Found(BTreeMap::new())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub role: String,
    /// The inline policy's name (`policy_name` of the stack's region).
    pub policy: String,
    pub template: bedrock_policy::Template,
    pub values: bedrock_policy::Placeholders,
}

/// LibreChat's role and the template of its policy, when the spec names the role.
pub fn desired(
    spec: &bedrock_spec::Spec,
    account_id: &str,
    template: bedrock_policy::Template,
) -> Option<Desired> {
    spec.librechat.policy_role().map(|role| Desired {
        role: role.to_string(),
        policy: policy_name(&spec.stack.region),
        template,
        values: bedrock_policy::Placeholders::for_spec(spec, account_id),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub tags: BTreeMap<String, String>,
    /// This tool's inline policy for the region on it, if present.
    pub policy: Option<Value>,
    /// Whether it holds the policy earlier versions put on it (`legacy_policy_name`): this
    /// stack's, replaced by the region's.
    pub legacy: bool,
}

/// LibreChat's least-privilege policy over profiles some of which apply has yet to create.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokePolicy {
    pub template: bedrock_policy::Template,
    pub values: bedrock_policy::Placeholders,
    /// The stack's profiles, then the system-defined profiles LibreChat calls by id.
    pub profiles: Vec<ArnRef>,
    /// The foundation models the profiles route to, as Bedrock lists them.
    pub models: Vec<String>,
    /// The foundation models LibreChat calls directly.
    pub direct: Vec<String>,
    /// The guardrail LibreChat applies (bedrock:ApplyGuardrail).
    pub guardrails: Vec<ArnRef>,
    /// With `enforce = true`, that guardrail's ARN and the version LibreChat names: every
    /// inference call must carry them ([`enforce`]).
    pub enforced: Option<(ArnRef, ArnRef)>,
    /// For the API key's user: `bedrock:CallWithBearerToken` for long-term keys too.
    pub bearer: bool,
    /// The models LibreChat sends to bedrock-mantle, and their project.
    pub mantle: Option<Mantle>,
}

/// What LibreChat calls through bedrock-mantle (OpenAI's models but gpt-oss).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mantle {
    /// `arn:<partition>:bedrock-mantle:<region>:<account>:project/default`.
    pub project: String,
    pub models: Vec<String>,
}

impl InvokePolicy {
    /// Whether every ARN is known now.
    pub fn is_known(&self) -> bool {
        self.profiles
            .iter()
            .chain(&self.guardrails)
            .chain(
                self.enforced
                    .iter()
                    .flat_map(|(arn, version)| [arn, version]),
            )
            .all(|r| matches!(r, ArnRef::Known(_)))
    }

    /// The document with each reference as `arn` gives it.
    pub(crate) fn render_by(
        &self,
        arn: &dyn Fn(&ArnRef) -> Result<String, String>,
    ) -> Result<bedrock_policy::Rendered, String> {
        let profiles = self
            .profiles
            .iter()
            .map(arn)
            .collect::<Result<Vec<_>, _>>()?;
        let guardrails = self
            .guardrails
            .iter()
            .map(arn)
            .collect::<Result<Vec<_>, _>>()?;
        let values = self
            .values
            .clone()
            .with_profiles(&profiles, &self.models, &self.direct)
            .with_guardrails(&guardrails);
        let mut rendered =
            bedrock_policy::render(&self.template, &values).map_err(|e| e.to_string())?;
        if let Some((guardrail, version)) = &self.enforced {
            let value = enforce::condition_value(&arn(guardrail)?, &arn(version)?);
            enforce::require(&mut rendered.document, &value);
        }
        if self.bearer {
            bearer(&mut rendered.document);
        }
        if let Some(m) = &self.mantle {
            mantle(&mut rendered.document, m, self.bearer);
        }
        Ok(rendered)
    }

    /// The document, with the ARNs apply made.
    pub fn render(&self, outputs: &Outputs) -> Result<bedrock_policy::Rendered, String> {
        self.render_by(&|r| outputs.resolve(r).map_err(|e| e.to_string()))
    }

    /// The document as a plan shows it: ARNs not yet known are named for what they will be.
    pub fn shown(&self) -> Result<Value, String> {
        Ok(self.render_by(&|r| Ok(r.shown()))?.document)
    }
}

impl Serialize for InvokePolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.shown().unwrap_or(Value::Null).serialize(s)
    }
}

/// The policy over what LibreChat will call after this plan: the stack's profiles, and the
/// models it lists or titles with that no profile covers, each through the route Bedrock
/// takes. None when it calls nothing. A template problem, or a listed model the region does
/// not have, is recorded.
pub fn invoke_policy(
    pl: &mut Planner,
    template: &bedrock_policy::Template,
    values: &bedrock_policy::Placeholders,
) -> Option<InvokePolicy> {
    let mut profiles = Vec::new();
    let mut models = Vec::new();
    let mut direct = Vec::new();
    for (p, arn) in inference_profile::arns_after(pl) {
        profiles.extend(arn);
        if let Some(inference_profile::SourceState::Routes { models: routed }) =
            pl.observed.sources.get(&p.source_arn)
        {
            models.extend(routed.iter().cloned());
        }
    }
    for (source, key) in &pl.desired.direct {
        match pl.observed.sources.get(source) {
            Some(inference_profile::SourceState::Routes { models: routed }) => {
                if source.contains(":inference-profile/") {
                    profiles.push(ArnRef::Known(source.clone()));
                    models.extend(routed.iter().cloned());
                } else {
                    direct.push(source.clone());
                }
            }
            _ => {
                let id = source
                    .rsplit_once('/')
                    .map_or(source.as_str(), |(_, id)| id);
                let region = &pl.desired.region;
                pl.problems.push(format!(
                    "{key} lists {id}, which {region} does not offer: LibreChat would fail to call it, and its policy cannot grant it\n  help: list a model id the region has (`aws bedrock list-inference-profiles --region {region}` and `aws bedrock list-foundation-models --region {region}` show them), or remove it"
                ));
            }
        }
    }
    let used: Option<(ArnRef, ArnRef)> = match &pl.desired.librechat_guardrail {
        Some(GuardrailUse::Managed { name, .. }) => crate::resources::guardrail::after(pl, name),
        Some(GuardrailUse::External { arn, version, .. }) => {
            Some((ArnRef::Known(arn.clone()), ArnRef::Known(version.clone())))
        }
        None => None,
    };
    let enforced = pl
        .desired
        .librechat_guardrail
        .as_ref()
        .is_some_and(GuardrailUse::enforced)
        .then(|| used.clone())
        .flatten();
    let guardrails: Vec<ArnRef> = used.map(|(arn, _)| arn).into_iter().collect();
    if profiles.is_empty() && direct.is_empty() && pl.desired.mantle.is_none() {
        return None;
    }
    let policy = InvokePolicy {
        template: template.clone(),
        values: values.clone(),
        profiles,
        models,
        direct,
        guardrails,
        enforced,
        bearer: false,
        mantle: pl.desired.mantle.clone(),
    };
    match policy.shown() {
        Ok(_) => Some(policy),
        Err(e) => {
            pl.problems.push(e);
            None
        }
    }
}

/// The statement a Bedrock API key's user needs besides the calls themselves: AWS
/// authorizes a call made with a key as `bedrock:CallWithBearerToken` too, and
/// `bedrock:bearerTokenType` tells long-term keys from short-term ones (Bedrock user guide,
/// "Control permissions for Amazon Bedrock API keys").
fn bearer(document: &mut Value) {
    if let Some(statements) = document.get_mut("Statement").and_then(Value::as_array_mut) {
        statements.push(serde_json::json!({
            "Sid": "CallWithLongTermApiKey",
            "Effect": "Allow",
            "Action": "bedrock:CallWithBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"bedrock:bearerTokenType": "LONG_TERM"}}
        }));
    }
}

/// The statements for the models LibreChat sends to bedrock-mantle, in the Service
/// Authorization Reference's terms ("Amazon Bedrock Powered by AWS Mantle"):
/// `bedrock-mantle:CreateInference` on the default project, for those models alone
/// (`bedrock-mantle:Model`), and `bedrock-mantle:CallWithBearerToken`, which every call
/// there needs: LibreChat calls mantle with a bearer token, the API key (`LONG_TERM`) or
/// one it makes from the role's credentials (`SHORT_TERM`), the values AWS documents for
/// `bedrock:bearerTokenType`.
fn mantle(document: &mut Value, m: &Mantle, long_term: bool) {
    if let Some(statements) = document.get_mut("Statement").and_then(Value::as_array_mut) {
        statements.push(serde_json::json!({
            "Sid": "LibreChatMantleInference",
            "Effect": "Allow",
            "Action": "bedrock-mantle:CreateInference",
            "Resource": m.project,
            "Condition": {"StringEquals": {"bedrock-mantle:Model": m.models}}
        }));
        let kind = if long_term { "LONG_TERM" } else { "SHORT_TERM" };
        statements.push(serde_json::json!({
            "Sid": "LibreChatMantleBearerToken",
            "Effect": "Allow",
            "Action": "bedrock-mantle:CallWithBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": kind}}
        }));
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    PutRuntimePolicy {
        role: String,
        name: String,
        document: InvokePolicy,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::PutRuntimePolicy { role, name, .. } => {
                format!("put policy {name} on LibreChat's role {role}")
            }
        }
    }
}

/// The stack's policy on roles the spec no longer names comes off them in `phase`: after the
/// new role's policy is in place.
fn retire_elsewhere(pl: &mut Planner, phase: Phase, reason: &str) {
    match pl.observed.runtime_elsewhere.clone() {
        Elsewhere::Found(roles) => {
            for (role, names) in roles {
                // A role the stack made for LibreChat goes whole (librechat_role).
                if pl.observed.librechat_made.iter().any(|m| m.name == role) {
                    continue;
                }
                let steps = names
                    .iter()
                    .map(|name| {
                        Chain::one(
                            phase,
                            logging_role::Step::DeleteRolePolicy {
                                role: role.clone(),
                                name: name.clone(),
                            },
                        )
                    })
                    .collect();
                let reason = format!("{reason}: policy {} comes off it", names.join(", "));
                pl.delete(KIND, &role, &reason, vec![], steps);
            }
        }
        Elsewhere::Unreadable(why) => pl.warnings.push(format!(
            "the stack's Bedrock policy was not looked for on roles the spec does not name ({why}): a runtime_role dropped from the spec keeps it; allow iam:GetAccountAuthorizationDetails to retire it"
        )),
    }
}

fn plan(pl: &mut Planner) {
    retire_elsewhere(
        pl,
        Phase::Retire,
        "tagged for this stack, and no longer [librechat] runtime_role",
    );
    let Some(rt) = pl.desired.runtime.clone() else {
        return;
    };
    let made_here = pl
        .desired
        .librechat_role
        .as_ref()
        .is_some_and(|r| r.name == rt.role);
    let synthesized = pl.observed.runtime_role.is_none() && made_here;
    let observed = pl.observed.runtime_role.clone().or_else(|| {
        // The stack makes the role in this apply (`[librechat.role]`): the policy follows it.
        made_here.then(|| Observed {
            tags: pl.desired.managed_tags.clone(),
            policy: None,
            legacy: false,
        })
    });
    let Some(o) = observed else {
        pl.problems.push(format!(
            "[librechat] runtime_role {} does not exist in account {}\n  help: it is LibreChat's own IAM role, which this tool does not create: create it, or remove runtime_role from the spec",
            rt.role, pl.observed.account_id
        ));
        return;
    };
    let mut steps = Vec::new();
    let mut diffs = Vec::new();
    let tagged = crate::tagging::Tagged::Role {
        name: rt.role.clone(),
    };
    // The role the stack makes: its ownership is librechat_role's to judge, once.
    let action = if made_here {
        Action::Update
    } else {
        let Some(action) = pl.ownership(KIND, &rt.role, &o.tags, tagged, &mut diffs, &mut steps)
        else {
            return;
        };
        action
    };
    let Some(document) = invoke_policy(pl, &rt.template, &rt.values) else {
        return;
    };
    let shown = document.shown().unwrap_or(Value::Null);
    let current = document.is_known()
        && o.policy
            .as_ref()
            .is_some_and(|p| policy_doc::equivalent(p, &shown));
    let name = rt.policy.clone();
    if !current {
        diffs.push(FieldDiff::policy(
            &format!("policy {name}"),
            o.policy.as_ref(),
            &shown,
        ));
        steps.push(Chain::one(
            Phase::Access,
            Step::PutRuntimePolicy {
                role: rt.role.clone(),
                name,
                document,
            },
        ));
    }
    // The policy of earlier versions (every region in one): replaced by the region's, once
    // that is in place.
    if o.legacy {
        let legacy = legacy_policy_name().to_string();
        diffs.push(FieldDiff::new(
            &format!("policy {legacy}"),
            Value::String("present".into()),
            Value::Null,
        ));
        steps.push(Chain::one(
            Phase::Retire,
            logging_role::Step::DeleteRolePolicy {
                role: rt.role.clone(),
                name: legacy,
            },
        ));
    }
    let (action, reason) = if synthesized {
        (
            Action::Create,
            "its Bedrock policy, on the role this apply makes",
        )
    } else if o.policy.is_none() {
        (action, "LibreChat's role lacks its Bedrock policy")
    } else {
        (
            action,
            "LibreChat's Bedrock policy differs from what the stack grants it",
        )
    };
    pl.settle(KIND, &rt.role, action, reason, diffs, steps);
}

fn destroy(pl: &mut Planner) {
    retire_elsewhere(
        pl,
        Phase::Access,
        "tagged for this stack, under a runtime_role the spec had before",
    );
    let (Some(rt), Some(o)) = (&pl.desired.runtime, &pl.observed.runtime_role) else {
        return;
    };
    if !pl.owns(&o.tags) || (o.policy.is_none() && !o.legacy) {
        return;
    }
    let role = rt.role.clone();
    // This region's policy (and the one of earlier versions); another region's stays.
    let mut names = Vec::new();
    if o.policy.is_some() {
        names.push(rt.policy.clone());
    }
    if o.legacy {
        names.push(legacy_policy_name().to_string());
    }
    let steps = names
        .iter()
        .map(|name| {
            Chain::one(
                Phase::Access,
                logging_role::Step::DeleteRolePolicy {
                    role: role.clone(),
                    name: name.clone(),
                },
            )
        })
        .collect();
    let made_here = pl
        .desired
        .librechat_role
        .as_ref()
        .is_some_and(|r| r.name == role);
    let reason = if made_here {
        format!(
            "this stack's policy {} on LibreChat's role, which [librechat.role] makes",
            names.join(", ")
        )
    } else {
        format!(
            "this stack's policy {} on LibreChat's role (the role itself, and other regions' policies, stay)",
            names.join(", ")
        )
    };
    pl.delete(KIND, &role, &reason, vec![], steps);
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    let Some(rt) = &d.runtime else {
        return;
    };
    let partition = d.log_group.arn.split(':').nth(1).unwrap_or("aws");
    let live = o.runtime_role.as_ref().filter(|l| l.policy.is_some());
    let output = live.map(|_| {
        Output::new(
            KIND.id,
            &rt.policy,
            Some(&format!(
                "arn:{partition}:iam::{}:role/{}",
                d.account_id, rt.role
            )),
        )
        .with("role", &rt.role)
    });
    out.found(&KIND, &rt.policy, output);
}

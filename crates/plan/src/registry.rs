//! The one list of resource kinds. A kind is a module of `resources/` here (its desired and
//! observed state, its steps, how it plans and how it is destroyed) and one of the AWS
//! layer's `resources/` (how it is read and how its steps run), and one line in
//! [`for_each_kind!`]: from that line follow the plan's registry ([`KINDS`]), the step enum
//! ([`Step`]), and the AWS layer's observe and execute. The generated files are not a kind:
//! they are planned after every kind, and written by the engine, never by the AWS layer.

use crate::plan::Planner;
use crate::resources::{
    api_key, bucket, budget, cost_tags, files, guardrail, inference_profile, librechat_role,
    log_group, logging_config, logging_role, model_access, monitoring, quota_increase,
    runtime_policy,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The one list: every resource kind as `module => Variant`, in the order the walk plans
/// them (a later kind may read an earlier one's changes; destroy walks them in reverse).
/// `for_each_kind!(callback)` expands to `callback! { module => Variant, ... }`: the plan's
/// registry below and the AWS layer's dispatch are generated from it, so a kind without a
/// line here is planned, read and executed nowhere, and a line without its modules does not
/// compile.
#[macro_export]
macro_rules! for_each_kind {
    ($callback:ident) => {
        $callback! {
            model_access => ModelAccess,
            log_group => LogGroup,
            bucket => Bucket,
            logging_role => LoggingRole,
            logging_config => LoggingConfig,
            inference_profile => InferenceProfile,
            guardrail => Guardrail,
            cost_tags => CostTags,
            librechat_role => LibreChatRole,
            api_key => ApiKey,
            runtime_policy => RuntimePolicy,
            monitoring => Monitoring,
            budget => Budget,
            quota_increase => QuotaIncrease,
        }
    };
}

/// How one kind plans: the walk calls `plan` in the list's order and `destroy` in reverse.
pub struct KindPlanner {
    pub kind: crate::change::Kind,
    pub plan: fn(&mut Planner),
    pub destroy: fn(&mut Planner),
    /// What `outputs` shows of it: its ARNs and names, when it exists and is this stack's.
    pub outputs: fn(&DesiredState, &ObservedState, &mut crate::outputs::StackOutputs),
}

macro_rules! registry {
    ($($module:ident => $variant:ident),* $(,)?) => {
        /// Every resource kind's planner, in the list's order.
        pub const KINDS: &[KindPlanner] = &[$($module::PLANNER),*];

        /// One call apply makes: a kind's step, or a generated file's (the engine's). In
        /// JSON, each step as it is (`{"call": ...}`).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Step {
            $($variant($module::Step),)*
            /// Any kind's tags (`tagging`).
            Tags(crate::tagging::Step),
            File(files::Step),
        }

        impl Step {
            /// A short description for progress lines.
            pub fn describe(&self) -> String {
                match self {
                    $(Step::$variant(s) => s.describe(),)*
                    Step::Tags(s) => s.describe(),
                    Step::File(s) => s.describe(),
                }
            }
        }

        $(impl From<$module::Step> for Step {
            fn from(s: $module::Step) -> Self {
                Step::$variant(s)
            }
        })*

        impl From<crate::tagging::Step> for Step {
            fn from(s: crate::tagging::Step) -> Self {
                Step::Tags(s)
            }
        }

        impl From<files::Step> for Step {
            fn from(s: files::Step) -> Self {
                Step::File(s)
            }
        }
    };
}

for_each_kind!(registry);

/// What should exist: the spec, with the account filled in and the policies rendered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredState {
    pub stack: String,
    pub region: String,
    pub account_id: String,
    /// The spec's account guard: the accounts it may touch (none: any).
    pub account_guard: Vec<String>,
    pub managed_tags: BTreeMap<String, String>,
    /// False (`[logging] managed = false`): the log group, bucket, role and logging
    /// configuration are another stack's or team's; their kinds plan nothing.
    pub logging_managed: bool,
    /// Whether records go to a log group through the role (`[logging] destinations`): with
    /// the bucket alone, there is no log group and no role to manage.
    pub logging_to_cloudwatch: bool,
    pub log_group: log_group::Desired,
    pub bucket: bucket::Desired,
    pub role: logging_role::Desired,
    pub logging: logging_config::Desired,
    pub profiles: Vec<inference_profile::Desired>,
    pub guardrails: Vec<guardrail::Desired>,
    /// What `[access]` establishes.
    pub access: model_access::Desired,
    /// The guardrail LibreChat applies (`[librechat] guardrail`).
    pub librechat_guardrail: Option<GuardrailUse>,
    /// Tag keys to activate as cost allocation tags.
    pub cost_tags: cost_tags::Desired,
    pub monitoring: monitoring::Desired,
    /// The stack's budget (`[cost.budget]`).
    pub budget: Option<budget::Desired>,
    /// The quota increases to ask for (`[[quotas.increase]]`).
    pub quota_increases: quota_increase::Desired,
    /// LibreChat's role, when the stack makes it (`[librechat.role]`).
    pub librechat_role: Option<librechat_role::Desired>,
    /// LibreChat's API key user, when the stack makes it (`[librechat.api_key]`).
    #[serde(skip)]
    pub api_key: Option<api_key::Desired>,
    /// The policy on LibreChat's role, when the spec names one or makes one.
    #[serde(skip)]
    pub runtime: Option<runtime_policy::Desired>,
    /// The generated files, when the plan covers them.
    #[serde(skip)]
    pub files: files::Desired,
    /// Other regions to look at for this stack (LibreChat's `available_regions` but this).
    pub other_regions: Vec<String>,
    /// What LibreChat calls by model id, without a profile of this stack: `[librechat]
    /// models` and `title_model` that no profile covers, as source ARNs (a system-defined
    /// profile, or a foundation model). LibreChat's policy grants them too.
    pub direct: Vec<(String, String)>,
    /// What LibreChat sends to bedrock-mantle: the models, and the project they run in (the
    /// account's default one, which LibreChat's calls name none of).
    pub mantle: Option<runtime_policy::Mantle>,
}

/// What exists, as the AWS layer (and, for files, the disk) read it. Absence is a state
/// (`None`, `Missing`), not an error.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ObservedState {
    /// The caller's account (STS GetCallerIdentity).
    pub account_id: String,
    pub log_group: Option<log_group::Observed>,
    pub bucket: bucket::Observed,
    pub role: Option<logging_role::Observed>,
    /// The invocation logging configuration of the account and region, if any.
    pub logging: Option<logging_config::Observed>,
    /// When that configuration points at another role than this stack's: the stack whose
    /// tags that role carries, if a stack of this tool made it.
    pub logging_owner: Option<String>,
    /// That role, when it is this stack's: the one the spec's `[logging] role_name` replaced,
    /// retired once the configuration points at the new one.
    pub previous_role: Option<(String, logging_role::Observed)>,
    /// Every application inference profile in the region.
    pub profiles: Vec<inference_profile::Observed>,
    /// What each source the spec copies from routes to, by source ARN.
    pub sources: BTreeMap<String, inference_profile::SourceState>,
    /// Every guardrail named in the spec or tagged for this stack.
    pub guardrails: Vec<guardrail::Observed>,
    /// Whether the account may invoke each model the stack uses.
    pub access: model_access::Observed,
    /// Billing's cost allocation tags, for the keys `[cost]` names.
    pub cost_tags: cost_tags::Observed,
    /// The stack's dashboard, alarms and alarm topic.
    pub monitoring: monitoring::Observed,
    /// The stack's budget, and whether the user's topic may take its alerts.
    pub budget: budget::Observed,
    /// Bedrock's quotas and the open requests, when the spec asks for increases.
    pub quota_increases: quota_increase::Observed,
    /// LibreChat's role as the stack makes it (`[librechat.role]`), when it exists.
    pub librechat_role: Option<librechat_role::Observed>,
    /// The instance profile of that role's name, whether or not the role exists.
    pub librechat_instance_profile: Option<librechat_role::InstanceProfile>,
    /// The roles and users of the account its trust names that do not exist.
    pub librechat_missing_principals: Vec<String>,
    /// Every role this stack made for LibreChat (its tags and `librechat_role::MADE_TAG`),
    /// from the account's role listing `runtime_elsewhere` comes from.
    pub librechat_made: Vec<librechat_role::Made>,
    /// LibreChat's API key user (`[librechat.api_key]`), when it exists.
    pub api_key_user: Option<api_key::Observed>,
    /// Every user this stack made for LibreChat's key (its tags and the made mark), from
    /// the same listing.
    pub api_key_made: Vec<api_key::Made>,
    /// LibreChat's role (`[librechat] runtime_role`), when the spec names one and it exists.
    pub runtime_role: Option<runtime_policy::Observed>,
    /// Other roles tagged for this stack that carry its Bedrock policy for the region (a
    /// `runtime_role` the spec dropped or renamed): the policy is retired from them.
    pub runtime_elsewhere: runtime_policy::Elsewhere,
    /// The generated files as they are on disk.
    #[serde(skip)]
    pub files: files::Observed,
    /// This stack in other regions (`regions::candidates`).
    pub elsewhere: Vec<crate::regions::Elsewhere>,
}

/// The guardrail `[librechat] guardrail` names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardrailUse {
    /// One of `[[guardrails]]`, by name.
    Managed { name: String, enforce: bool },
    /// One this tool does not manage, by ARN, and the version LibreChat names.
    External {
        arn: String,
        version: String,
        enforce: bool,
    },
}

impl GuardrailUse {
    /// Whether LibreChat's policy requires it on every inference call (`enforce = true`).
    pub fn enforced(&self) -> bool {
        match self {
            GuardrailUse::Managed { enforce, .. } | GuardrailUse::External { enforce, .. } => {
                *enforce
            }
        }
    }
}

/// What every kind builds its desired state from.
pub struct Inputs<'a> {
    pub spec: &'a bedrock_spec::Spec,
    pub account_id: &'a str,
    /// The rendered policies (trust, role policies, bucket policy).
    pub policies: &'a [bedrock_policy::Rendered],
}

impl Inputs<'_> {
    /// The rendered document of one policy (null when it was not rendered).
    pub fn policy(&self, kind: bedrock_policy::PolicyKind) -> serde_json::Value {
        self.policies
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| p.document.clone())
            .unwrap_or(serde_json::Value::Null)
    }
}

impl DesiredState {
    /// The desired state for `spec` in `account_id`, with the rendered policies; no runtime
    /// role policy and no files until `with_runtime` and `with_files` add them.
    pub fn new(
        spec: &bedrock_spec::Spec,
        account_id: &str,
        policies: &[bedrock_policy::Rendered],
    ) -> Self {
        let inputs = Inputs {
            spec,
            account_id,
            policies,
        };
        DesiredState {
            stack: spec.stack.name.clone(),
            region: spec.stack.region.clone(),
            account_id: account_id.to_string(),
            account_guard: spec.stack.account_ids.clone(),
            managed_tags: spec.managed_tags(),
            logging_managed: spec.logging.managed,
            logging_to_cloudwatch: spec.logging.to_cloudwatch(),
            log_group: log_group::desired(&inputs),
            bucket: bucket::desired(&inputs),
            role: logging_role::desired(&inputs),
            logging: logging_config::desired(&inputs),
            profiles: inference_profile::desired(&inputs),
            guardrails: guardrail::desired(&inputs),
            access: model_access::desired(&inputs),
            cost_tags: cost_tags::desired(&inputs),
            monitoring: monitoring::desired(&inputs),
            budget: budget::desired(&inputs),
            quota_increases: quota_increase::desired(&inputs),
            librechat_guardrail: spec.librechat.guardrail.as_ref().map(|g| match &g.target {
                bedrock_spec::GuardrailTarget::Managed { name } => GuardrailUse::Managed {
                    name: name.clone(),
                    enforce: g.enforce,
                },
                bedrock_spec::GuardrailTarget::External {
                    identifier,
                    version,
                } => GuardrailUse::External {
                    arn: if identifier.starts_with("arn:") {
                        identifier.clone()
                    } else {
                        format!(
                            "arn:{}:bedrock:{}:{account_id}:guardrail/{identifier}",
                            spec.partition(),
                            spec.stack.region
                        )
                    },
                    version: version.clone(),
                    enforce: g.enforce,
                },
            }),
            librechat_role: librechat_role::desired(&inputs),
            runtime: None,
            api_key: None,
            files: files::Desired::default(),
            direct: inference_profile::direct_sources(&inputs),
            mantle: Some(inference_profile::mantle_models(spec))
                .filter(|m| !m.is_empty())
                .map(|models| runtime_policy::Mantle {
                    project: format!(
                        "arn:{}:bedrock-mantle:{}:{account_id}:project/default",
                        spec.partition(),
                        spec.stack.region
                    ),
                    models,
                }),
            other_regions: spec
                .librechat
                .available_regions
                .iter()
                .filter(|r| **r != spec.stack.region)
                .cloned()
                .collect(),
        }
    }

    /// With the template of LibreChat's policy (used when the spec names a `runtime_role`).
    pub fn with_runtime(
        mut self,
        spec: &bedrock_spec::Spec,
        template: bedrock_policy::Template,
    ) -> Self {
        self.api_key = api_key::desired(spec, &self.account_id, template.clone());
        self.runtime = runtime_policy::desired(spec, &self.account_id, template);
        self
    }

    /// With the templates of the logging role's documents, rendered for the other regions
    /// whose logging goes through the role.
    pub fn with_role_templates(
        mut self,
        templates: &[bedrock_policy::Template],
        values: &bedrock_policy::Placeholders,
    ) -> Self {
        self.role.templates = logging_role::Templates::new(templates, values);
        self
    }

    /// With the generated files the plan covers.
    pub fn with_files(mut self, files: files::Desired) -> Self {
        self.files = files;
        self
    }

    /// Whether a resource's tags say this stack manages it.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        self.managed_tags
            .iter()
            .all(|(k, v)| tags.get(k) == Some(v))
    }
}

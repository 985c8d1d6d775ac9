//! The checked spec: plain values, every rule already enforced by [`crate::check`].

use std::collections::BTreeMap;

/// Tag key carried by every resource this tool manages; its value is [`MANAGED_BY_VALUE`].
pub const MANAGED_BY_TAG: &str = "managed-by";
/// The value of the `managed-by` tag.
pub const MANAGED_BY_VALUE: &str = "librechat-bedrock";
/// Tag key carrying the spec's stack name.
pub const STACK_TAG: &str = "stack";
/// Account id used where the spec has no `account_id` and no AWS account is at hand
/// (offline rendering). All zeros: no real account has it, so it cannot be mistaken for one.
pub const ACCOUNT_PLACEHOLDER: &str = "000000000000";

#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub stack: Stack,
    pub logging: Logging,
    pub profiles: Vec<Profile>,
    pub librechat: LibreChat,
    /// `[access]`: model access this stack establishes in the account.
    pub access: Access,
    /// `[[guardrails]]`: Bedrock guardrails this stack manages.
    pub guardrails: Vec<GuardrailSpec>,
    /// `[cost]`: tag keys to activate as cost allocation tags.
    pub cost: Cost,
    /// `[monitoring]`: the stack's dashboard and alarms.
    pub monitoring: Monitoring,
    /// `[quotas]`: Service Quotas increases to ask AWS for.
    pub quotas: Quotas,
}

/// `[quotas]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quotas {
    /// `[[quotas.increase]]`, at most one a profile.
    pub increase: Vec<QuotaIncrease>,
}

/// One `[[quotas.increase]]`: the values to ask for the quotas that bound a profile's model
/// (its routing's: on-demand, cross-region or global).
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaIncrease {
    pub profile: String,
    pub tokens_per_minute: Option<u64>,
    pub requests_per_minute: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cost {
    /// Tag keys of the stack's resources to activate in Billing.
    pub activate_tags: Vec<String>,
    /// `[cost.budget]`: an AWS Budgets budget on the stack's monthly cost.
    pub budget: Option<Budget>,
}

/// `[cost.budget]`: a monthly cost budget and its alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// The monthly limit in US dollars (at most two decimals).
    pub monthly_usd: f64,
    /// The percentages of the limit to alert at, ascending.
    pub alert_at_percent: Vec<u32>,
    /// Which spend each percentage is compared with.
    pub alert_on: Vec<BudgetAlert>,
    /// Where alerts go: this address; without it, `[monitoring]`'s topic.
    pub alert_email: Option<String>,
}

/// The spend a budget alert compares with its threshold (Budgets' NotificationType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BudgetAlert {
    /// What was spent so far this month.
    Actual,
    /// What AWS forecasts for the whole month.
    Forecasted,
}

impl BudgetAlert {
    /// As the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetAlert::Actual => "actual",
            BudgetAlert::Forecasted => "forecasted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Monitoring {
    pub dashboard: bool,
    /// The address alarms go to, through an SNS topic the stack makes.
    pub alarm_email: Option<String>,
    /// A topic of the user's that alarms go to.
    pub alarm_topic_arn: Option<String>,
}

impl Monitoring {
    /// Whether the stack has alarms: only when they go somewhere.
    pub fn alarms(&self) -> bool {
        self.alarm_email.is_some() || self.alarm_topic_arn.is_some()
    }
}

/// `[access]`. Both parts are opt-in: the form speaks for the company, and agreements
/// accept legal terms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Access {
    /// Anthropic's first-time-use form, submitted once per account (PutUseCaseForModelAccess).
    pub anthropic_use_case: Option<UseCase>,
    /// Accept the agreement offers of the models the profiles and LibreChat use.
    pub accept_agreements: bool,
}

/// Anthropic's use case form, field by field.
#[derive(Debug, Clone, PartialEq)]
pub struct UseCase {
    pub company_name: String,
    pub company_website: String,
    pub intended_users: String,
    pub industry_option: String,
    pub other_industry_option: String,
    pub use_cases: String,
}

/// One `[[guardrails]]` entry: a Bedrock guardrail, its policies as the spec states them.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardrailSpec {
    pub name: String,
    pub description: Option<String>,
    pub blocked_input_message: String,
    pub blocked_output_message: String,
    /// Content filters: (category as Bedrock names it, input strength, output strength),
    /// in Bedrock's category order.
    pub content_filters: Vec<(String, String, String)>,
    pub denied_topics: Vec<Topic>,
    /// PII entity types (Bedrock's names) and their actions, sorted by type.
    pub pii: Vec<(String, String)>,
    /// Words and phrases blocked in prompts and answers, as written.
    pub words: Vec<String>,
    /// AWS's managed profanity list.
    pub profanity: bool,
    pub grounding_threshold: Option<f64>,
    pub relevance_threshold: Option<f64>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub name: String,
    pub definition: String,
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub name: String,
    pub region: String,
    /// Optional guard: refuse to touch any other account. `account_id = "..."`, or a list
    /// for a stack deployed to several accounts (`--assume-role`).
    pub account_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Logging {
    /// False: invocation logging is another stack's or team's; this stack manages only its
    /// profiles (and LibreChat's files and policy), and reads the logging that exists.
    pub managed: bool,
    /// Where Bedrock delivers the records: a log group (through the role), the bucket, or both.
    pub destinations: Vec<Destination>,
    /// The S3 destination's key prefix in the bucket (beside the large-data prefix).
    pub s3_prefix: String,
    pub role_name: String,
    pub log_group: String,
    pub retention_days: u32,
    /// The bucket name as written, with `{account_id}` and `{region}` still in it.
    pub bucket: String,
    pub key_prefix: String,
    pub text: bool,
    pub image: bool,
    pub embedding: bool,
    pub video: bool,
    pub audio: bool,
}

/// A destination of model invocation logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    CloudWatch,
    S3,
}

impl Logging {
    /// Whether records go to a log group (which needs the logging role).
    pub fn to_cloudwatch(&self) -> bool {
        self.destinations.contains(&Destination::CloudWatch)
    }

    /// Whether records go to the stack's bucket.
    pub fn to_s3(&self) -> bool {
        self.destinations.contains(&Destination::S3)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// A system-defined inference profile id (`us.anthropic...`) or a foundation model id.
    pub model: String,
    pub env: String,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LibreChat {
    /// Models listed in addition to the profiles' own.
    pub models: Vec<String>,
    pub available_regions: Vec<String>,
    pub title_model: Option<String>,
    pub title_convo: Option<bool>,
    pub title_method: Option<String>,
    pub title_prompt: Option<String>,
    pub title_prompt_template: Option<String>,
    pub title_endpoint: Option<String>,
    pub stream_rate: Option<f64>,
    pub guardrail: Option<Guardrail>,
    /// Mappings to inference profiles this tool does not manage (model id -> ARN or `${VAR}`),
    /// in the order written.
    pub inference_profiles: Vec<(String, String)>,
    /// LibreChat's own IAM role: when set, it gets an inline policy allowing exactly the
    /// stack's profiles and the models they route to.
    pub runtime_role: Option<String>,
    /// The other keys of `endpoints.bedrock` the spec sets, by LibreChat's key: those of
    /// [`crate::ENDPOINT_KEYS`] that are not [`crate::KeyKind::Dedicated`].
    pub settings: BTreeMap<&'static str, crate::EndpointValue>,
    /// `[librechat.role]`: LibreChat's role, created and owned by the stack (exclusive with
    /// `runtime_role`); it gets the same policy.
    pub role: Option<LibreChatRole>,
    /// `[librechat.api_key]`: a Bedrock API key (an IAM user of the stack's and a
    /// service-specific credential for Bedrock), written into `.env` only.
    pub api_key: Option<ApiKey>,
}

/// `[librechat.api_key]`: the stack's IAM user for LibreChat, and its long-term Bedrock API
/// key (IAM `CreateServiceSpecificCredential`, `ServiceName = bedrock.amazonaws.com`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// The IAM user the key belongs to, made and owned by the stack.
    pub user: String,
    /// The key's lifetime (`CredentialAgeDays`, 1-36600).
    pub expires_in_days: u32,
    /// A plan this many days or fewer before the key expires makes a new one.
    pub rotate_before_days: u32,
}

impl LibreChat {
    /// The role LibreChat's invoke policy goes on: `runtime_role`, or `[librechat.role]`'s.
    pub fn policy_role(&self) -> Option<&str> {
        self.runtime_role
            .as_deref()
            .or(self.role.as_ref().map(|r| r.name.as_str()))
    }
}

/// `[librechat.role]`: LibreChat's role and who may assume it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LibreChatRole {
    pub name: String,
    /// ECS tasks (`ecs-tasks.amazonaws.com`).
    pub ecs: bool,
    /// EKS Pod Identity (`pods.eks.amazonaws.com`).
    pub eks_pod_identity: bool,
    /// EC2 (`ec2.amazonaws.com`), through an instance profile of the role's name.
    pub ec2: bool,
    /// IAM roles for service accounts (an EKS cluster's OIDC provider).
    pub irsa: Option<Irsa>,
    /// Account ids and IAM role or user ARNs.
    pub principals: Vec<String>,
    /// What `principals` must pass as sts:ExternalId.
    pub external_id: Option<String>,
}

/// IRSA: the cluster's OIDC provider and the service account LibreChat's pods run as.
#[derive(Debug, Clone, PartialEq)]
pub struct Irsa {
    pub oidc_provider_arn: String,
    pub namespace: String,
    pub service_account: String,
}

/// `[librechat] guardrail`: which guardrail LibreChat applies, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Guardrail {
    pub target: GuardrailTarget,
    pub trace: Option<String>,
    pub stream_processing_mode: Option<String>,
    /// `enforce = true`: LibreChat's policy requires this guardrail (and version) on every
    /// inference call, with the `bedrock:GuardrailIdentifier` condition key.
    pub enforce: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GuardrailTarget {
    /// A guardrail this tool does not manage: its id or ARN and version, as written.
    External { identifier: String, version: String },
    /// One of `[[guardrails]]`, by name: its id and published version come from AWS.
    Managed { name: String },
}

impl Spec {
    /// The account to render for: the spec's guard when it names one account, else the
    /// all-zero placeholder.
    pub fn account_or_placeholder(&self) -> &str {
        match self.stack.account_ids.as_slice() {
            [one] => one,
            _ => ACCOUNT_PLACEHOLDER,
        }
    }

    /// The bucket name with `{account_id}` and `{region}` substituted.
    pub fn bucket_name(&self, account_id: &str) -> String {
        crate::rules::substitute_bucket(&self.logging.bucket, account_id, &self.stack.region)
            .unwrap_or_else(|_| self.logging.bucket.clone())
    }

    /// The model list LibreChat shows: every profile's model in spec order, then
    /// `[librechat] models` not already listed.
    pub fn librechat_models(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let candidates = self
            .profiles
            .iter()
            .map(|p| &p.model)
            .chain(self.librechat.models.iter());
        for model in candidates {
            if !out.contains(model) {
                out.push(model.clone());
            }
        }
        out
    }

    /// The tags every managed resource carries.
    pub fn managed_tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
            (STACK_TAG.to_string(), self.stack.name.clone()),
        ])
    }

    /// The AWS partition of the stack's region (`aws`, `aws-cn`, `aws-us-gov`, ...).
    pub fn partition(&self) -> &'static str {
        crate::rules::partition_of(&self.stack.region)
    }
}

impl GuardrailSpec {
    /// The guardrail's own tags plus the managed ones.
    pub fn all_tags(&self, spec: &Spec) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.extend(spec.managed_tags());
        tags
    }
}

impl Profile {
    /// The profile's own tags plus the managed ones.
    pub fn all_tags(&self, spec: &Spec) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.extend(spec.managed_tags());
        tags
    }
}

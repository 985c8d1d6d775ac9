//! What should exist: the spec, with the account filled in and the policies rendered.

use crate::observed::LoggingSettings;
use bedrock_policy::{PolicyKind, Rendered};
use bedrock_spec::Spec;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The bucket lifecycle rule this tool owns: large payloads expire with the log events that
/// point at them.
pub const LIFECYCLE_RULE_ID: &str = "librechat-bedrock-expire-large-data";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredState {
    pub stack: String,
    pub region: String,
    pub account_id: String,
    /// The spec's account guard, if set.
    pub account_guard: Option<String>,
    pub managed_tags: BTreeMap<String, String>,
    pub log_group: DesiredLogGroup,
    pub bucket: DesiredBucket,
    pub role: DesiredRole,
    pub logging: LoggingSettings,
    pub profiles: Vec<DesiredProfile>,
    /// LibreChat's own role and the template of its inline policy, when the spec names one.
    #[serde(skip)]
    pub runtime: Option<DesiredRuntime>,
}

/// `[librechat] runtime_role`: the tool manages one inline policy on it, never the role.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRuntime {
    pub role: String,
    pub template: bedrock_policy::Template,
    pub values: bedrock_policy::Placeholders,
}

/// The inline policy this tool puts on LibreChat's role.
pub fn runtime_policy_name() -> &'static str {
    bedrock_policy::PolicyKind::LibreChatInvoke
        .inline_policy_name()
        .unwrap_or("LibreChatBedrockInvoke")
}

/// Stands in a runtime policy for the ARN of a profile apply has yet to create.
pub fn pending_arn(profile: &str) -> String {
    format!("pending-arn-of:{profile}")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredLogGroup {
    pub name: String,
    pub retention_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredBucket {
    pub name: String,
    pub policy: Value,
    /// The key prefix the lifecycle rule applies to (`large-data/`, or empty).
    pub object_prefix: String,
    pub expiration_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredRole {
    pub name: String,
    pub arn: String,
    pub trust: Value,
    /// Inline policies by name.
    pub inline: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredProfile {
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

impl DesiredState {
    /// The desired state for `spec` in `account_id`, with the rendered policies.
    pub fn new(spec: &Spec, account_id: &str, policies: &[Rendered]) -> Self {
        Self::with_runtime(spec, account_id, policies, None)
    }

    /// The same, with the template of LibreChat's policy (needed when the spec names a
    /// `runtime_role`).
    pub fn with_runtime(
        spec: &Spec,
        account_id: &str,
        policies: &[Rendered],
        runtime_template: Option<bedrock_policy::Template>,
    ) -> Self {
        let region = spec.stack.region.clone();
        let partition = spec.partition();
        let policy = |kind: PolicyKind| {
            policies
                .iter()
                .find(|p| p.kind == kind)
                .map(|p| p.document.clone())
                .unwrap_or(Value::Null)
        };
        let role_arn = format!(
            "arn:{partition}:iam::{account_id}:role/{}",
            spec.logging.role_name
        );
        let bucket = spec.bucket_name(account_id);
        let prefix = spec.logging.key_prefix.trim_end_matches('/');
        let mut inline = BTreeMap::new();
        for kind in [PolicyKind::LoggingCloudWatch, PolicyKind::LoggingS3] {
            if let Some(name) = kind.inline_policy_name() {
                inline.insert(name.to_string(), policy(kind));
            }
        }
        let profiles = spec
            .profiles
            .iter()
            .map(|p| DesiredProfile {
                name: p.name.clone(),
                model: p.model.clone(),
                source_arn: source_arn(partition, &region, account_id, &p.model),
                description: p.description.clone(),
                tags: p.all_tags(spec),
                env: p.env.clone(),
            })
            .collect();
        DesiredState {
            stack: spec.stack.name.clone(),
            region: region.clone(),
            account_id: account_id.to_string(),
            account_guard: spec.stack.account_id.clone(),
            managed_tags: spec.managed_tags(),
            log_group: DesiredLogGroup {
                name: spec.logging.log_group.clone(),
                retention_days: spec.logging.retention_days,
            },
            bucket: DesiredBucket {
                name: bucket.clone(),
                policy: policy(PolicyKind::LogsBucket),
                object_prefix: if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{prefix}/")
                },
                expiration_days: spec.logging.retention_days,
            },
            role: DesiredRole {
                name: spec.logging.role_name.clone(),
                arn: role_arn.clone(),
                trust: policy(PolicyKind::LoggingTrust),
                inline,
            },
            logging: LoggingSettings {
                log_group: Some(spec.logging.log_group.clone()),
                role_arn: Some(role_arn),
                large_data_bucket: Some(bucket),
                large_data_key_prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
                s3_destination: None,
                text: spec.logging.text,
                image: spec.logging.image,
                embedding: spec.logging.embedding,
                video: spec.logging.video,
                audio: spec.logging.audio,
            },
            profiles,
            runtime: match (&spec.librechat.runtime_role, runtime_template) {
                (Some(role), Some(template)) => Some(DesiredRuntime {
                    role: role.clone(),
                    template,
                    values: bedrock_policy::Placeholders::for_spec(spec, account_id),
                }),
                _ => None,
            },
        }
    }

    /// Whether a resource's tags say this stack manages it.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        self.managed_tags
            .iter()
            .all(|(k, v)| tags.get(k) == Some(v))
    }

    pub fn log_group_arn(&self) -> String {
        format!(
            "arn:{}:logs:{}:{}:log-group:{}",
            bedrock_spec::rules::partition_of(&self.region),
            self.region,
            self.account_id,
            self.log_group.name
        )
    }
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

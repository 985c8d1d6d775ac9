//! The values a template's `{{placeholders}}` are filled from: the spec's, and the live ARNs
//! of what LibreChat calls.

use bedrock_spec::Spec;
use std::collections::BTreeMap;

/// A placeholder's value: text, or a list that a whole array element expands into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    Text(String),
    List(Vec<String>),
}

/// The values placeholders are filled from. `None` marks a placeholder that exists but has no
/// value for this stack: using it is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholders(pub(crate) BTreeMap<&'static str, Option<Fill>>);

impl Placeholders {
    /// Every placeholder a template may use, filled from the spec and the account.
    pub fn for_spec(spec: &Spec, account_id: &str) -> Self {
        let prefix = spec.logging.key_prefix.as_str();
        let object_prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_string()
        } else {
            format!("{prefix}/")
        };
        let text = |v: String| Some(Fill::Text(v));
        Placeholders(BTreeMap::from([
            ("account_id", text(account_id.to_string())),
            ("region", text(spec.stack.region.clone())),
            ("partition", text(spec.partition().to_string())),
            ("stack", text(spec.stack.name.clone())),
            ("role_name", text(spec.logging.role_name.clone())),
            ("log_group", text(spec.logging.log_group.clone())),
            ("bucket", text(spec.bucket_name(account_id))),
            ("key_prefix", text(prefix.to_string())),
            ("object_prefix", text(object_prefix)),
            // Where the S3 destination's records go (AWS's documented path), when it is one.
            (
                "s3_log_objects",
                Some(Fill::List(
                    spec.logging
                        .to_s3()
                        .then(|| {
                            format!(
                                "arn:{}:s3:::{}/{}/AWSLogs/{account_id}/BedrockModelInvocationLogs/*",
                                spec.partition(),
                                spec.bucket_name(account_id),
                                spec.logging.s3_prefix.trim_matches('/')
                            )
                        })
                        .into_iter()
                        .collect(),
                )),
            ),
            // Known only from live state: see `with_profiles`.
            ("profile_arns", None),
            ("routed_model_arns", None),
            ("direct_model_arns", None),
            ("guardrail_arns", None),
        ]))
    }

    /// Declare a placeholder that has no value for this stack.
    pub fn unfilled(mut self, name: &'static str) -> Self {
        self.0.insert(name, None);
        self
    }

    pub fn set(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.0.insert(name, Some(Fill::Text(value.into())));
        self
    }

    /// The live ARNs of what LibreChat calls: the profiles (the stack's application profiles,
    /// and the system-defined ones it calls by id), the foundation models they route to, and
    /// the foundation models it calls directly (each list sorted, without duplicates).
    pub fn with_profiles(
        mut self,
        profile_arns: &[String],
        routed_model_arns: &[String],
        direct_model_arns: &[String],
    ) -> Self {
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v.dedup();
            v
        };
        self.0
            .insert("profile_arns", Some(Fill::List(sorted(profile_arns))));
        self.0.insert(
            "routed_model_arns",
            Some(Fill::List(sorted(routed_model_arns))),
        );
        self.0.insert(
            "direct_model_arns",
            Some(Fill::List(sorted(direct_model_arns))),
        );
        // No guardrail unless `with_guardrails` names one: its statement is then dropped.
        if self.0.get("guardrail_arns").is_some_and(Option::is_none) {
            self.0
                .insert("guardrail_arns", Some(Fill::List(Vec::new())));
        }
        self
    }

    /// The guardrails LibreChat applies (`[librechat] guardrail`), for bedrock:ApplyGuardrail.
    pub fn with_guardrails(mut self, arns: &[String]) -> Self {
        let mut arns = arns.to_vec();
        arns.sort();
        arns.dedup();
        self.0.insert("guardrail_arns", Some(Fill::List(arns)));
        self
    }

    pub(crate) fn names(&self) -> String {
        self.0
            .keys()
            .map(|k| format!("{{{{{k}}}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

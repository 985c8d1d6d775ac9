//! Tags, the same way for every kind: one diff and one step. A kind says what its resource
//! is to the tagging calls ([`Tagged`]) and which of its tags the spec governs ([`Scope`]);
//! the planner compares and the AWS layer makes the resource's tags what the step says,
//! through whichever calls its service has.

use crate::change::{Chain, FieldDiff, Phase};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

/// A taggable resource, as its service's tagging calls name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "service", rename_all = "snake_case")]
pub enum Tagged {
    /// A CloudWatch Logs log group, by ARN.
    LogGroup { arn: String },
    /// An S3 bucket, by name. S3 replaces a bucket's whole tag set.
    Bucket { name: String },
    /// An IAM role, by name.
    Role { name: String },
    /// An IAM user, by name.
    User { name: String },
    /// A Bedrock resource (an inference profile, a guardrail), by ARN.
    Bedrock { arn: String },
    /// An SNS topic, by ARN.
    Topic { arn: String },
    /// An AWS Budgets budget, by ARN.
    Budget { arn: String },
}

impl Tagged {
    /// The resource as people read it (`role BedrockLoggingRole`).
    pub fn describe(&self) -> String {
        match self {
            Tagged::LogGroup { arn } => format!("log group {arn}"),
            Tagged::Bucket { name } => format!("bucket {name}"),
            Tagged::Role { name } => format!("role {name}"),
            Tagged::User { name } => format!("IAM user {name}"),
            Tagged::Bedrock { arn } => arn.clone(),
            Tagged::Topic { arn } => format!("SNS topic {arn}"),
            Tagged::Budget { arn } => format!("budget {arn}"),
        }
    }
}

/// Which tags of a resource the spec governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The spec's table is the whole set (profiles, guardrails): a tag it does not have is
    /// taken off.
    Exact,
    /// Only the tags the stack sets: others (a tag policy's, the account's automation's)
    /// stay.
    Stack,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    /// Make the resource's tags `after`: tag what is new or changed, untag what goes (or, for
    /// S3, put the whole set).
    SetTags {
        resource: Tagged,
        before: Tags,
        after: Tags,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::SetTags { resource, .. } => format!("tag {}", resource.describe()),
        }
    }

    /// What the step adds or changes, and what it takes off.
    pub fn changes(&self) -> (Tags, Vec<String>) {
        let Step::SetTags { before, after, .. } = self;
        let add = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let remove = before
            .keys()
            .filter(|k| !after.contains_key(*k))
            .cloned()
            .collect();
        (add, remove)
    }
}

/// The tags a resource should carry: `desired` over `observed` (and only `desired` with
/// [`Scope::Exact`]).
pub fn wanted(observed: &Tags, desired: &Tags, scope: Scope) -> Tags {
    match scope {
        Scope::Exact => desired.clone(),
        Scope::Stack => {
            let mut tags = observed.clone();
            tags.extend(desired.clone());
            tags
        }
    }
}

/// The diff and the chain (in `phase`) that make `resource`'s tags what the spec says; None
/// when they already are.
pub fn retag(
    resource: Tagged,
    observed: &Tags,
    desired: &Tags,
    scope: Scope,
    phase: Phase,
) -> Option<(FieldDiff, Chain)> {
    let after = wanted(observed, desired, scope);
    if &after == observed {
        return None;
    }
    let diff = FieldDiff::new("tags", json!(observed), json!(after));
    let step = Step::SetTags {
        resource,
        before: observed.clone(),
        after,
    };
    Some((diff, Chain::one(phase, step)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn role() -> Tagged {
        Tagged::Role { name: "R".into() }
    }

    #[test]
    fn exact_takes_off_what_the_spec_does_not_have() {
        let observed = tags(&[("Team", "a"), ("Stray", "x"), ("stack", "s")]);
        let desired = tags(&[("Team", "b"), ("stack", "s")]);
        let (diff, chain) =
            retag(role(), &observed, &desired, Scope::Exact, Phase::Profiles).unwrap();
        assert_eq!(diff.after, json!(desired));
        let crate::registry::Step::Tags(step) = &chain.steps[0] else {
            panic!("{chain:?}")
        };
        let (add, remove) = step.changes();
        assert_eq!(add, tags(&[("Team", "b")]));
        assert_eq!(remove, vec!["Stray".to_string()]);
    }

    #[test]
    fn stack_scope_leaves_other_tags() {
        let observed = tags(&[("Owner", "security"), ("stack", "old")]);
        let desired = tags(&[("stack", "s")]);
        let (diff, _) = retag(
            role(),
            &observed,
            &desired,
            Scope::Stack,
            Phase::Foundations,
        )
        .unwrap();
        assert_eq!(
            diff.after,
            json!(tags(&[("Owner", "security"), ("stack", "s")]))
        );
    }

    #[test]
    fn tags_as_specified_need_no_step() {
        let t = tags(&[("stack", "s")]);
        assert!(retag(role(), &t, &t, Scope::Exact, Phase::Profiles).is_none());
        let more = tags(&[("stack", "s"), ("Owner", "x")]);
        assert!(retag(role(), &more, &t, Scope::Stack, Phase::Profiles).is_none());
    }
}

//! The vocabulary of a plan: which kind of resource, in which phase, what happens to it and
//! why, field by field.

use crate::registry::Step;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// A kind of resource. Each kind's module declares its own (`log_group::KIND`); nothing
/// else enumerates them but the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kind {
    /// The name in JSON documents (`log_group`).
    pub id: &'static str,
    /// The name people read (`log group`).
    pub label: &'static str,
    /// Where the spec names it (`[logging] log_group`), for the help of a name conflict.
    pub spec_key: &'static str,
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

/// The order apply runs in: each phase needs what the phases before it made. Destroy runs
/// them in reverse. The chains of one phase run concurrently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// What the rest hangs on: the log group, the bucket, the logging role, and the tags
    /// that adopt them.
    Foundations,
    /// Their settings: retention, the bucket's hardening and policy, the role's policies.
    Settings,
    /// Model invocation logging, which Bedrock checks against the role, group and bucket.
    Logging,
    /// The application inference profiles.
    Profiles,
    /// LibreChat's role policy, which names the profiles' ARNs.
    Access,
    /// What the spec no longer has (a profile removed or renamed): deleted only once its
    /// successors exist and LibreChat's policy no longer names it, so that a failed create
    /// leaves the old one working.
    Retire,
    /// The generated files, which name the profiles' ARNs: after every AWS write, never
    /// talking to AWS.
    Files,
    /// What only goes once the files are written: a Bedrock API key replaced by the new one
    /// in `.env`.
    Revoke,
}

impl Phase {
    /// Whether the phase's steps are AWS calls (all but the files).
    pub fn is_aws(self) -> bool {
        self != Phase::Files
    }

    /// Whether the phase runs after the files are written.
    pub fn after_files(self) -> bool {
        self > Phase::Files
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    /// Take over a same-named resource without this stack's tags (`--adopt`).
    Adopt,
    NoOp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDiff {
    pub field: String,
    pub before: Value,
    pub after: Value,
    /// For documents and files: the changed lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
}

impl FieldDiff {
    pub fn new(field: &str, before: Value, after: Value) -> Self {
        FieldDiff {
            field: field.to_string(),
            before,
            after,
            lines: Vec::new(),
        }
    }

    /// The members of two objects that differ, one diff each, in `after`'s order; values that
    /// are not objects are one diff named `field`.
    pub fn members(field: &str, before: &Value, after: &Value) -> Vec<FieldDiff> {
        let (Value::Object(b), Value::Object(a)) = (before, after) else {
            return if before == after {
                Vec::new()
            } else {
                vec![FieldDiff::new(field, before.clone(), after.clone())]
            };
        };
        a.iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, v)| FieldDiff::new(k, b.get(k).cloned().unwrap_or(Value::Null), v.clone()))
            .collect()
    }

    /// A policy document's change: both documents, and the changed lines of their canonical
    /// JSON.
    pub fn policy(field: &str, before: Option<&Value>, after: &Value) -> Self {
        let lines = match before {
            Some(b) => crate::policy_doc::diff_lines(b, after),
            None => Vec::new(),
        };
        FieldDiff {
            field: field.to_string(),
            before: before.cloned().unwrap_or(Value::Null),
            after: after.clone(),
            lines,
        }
    }
}

/// Steps that run one after another (a replace deletes before it creates), in one phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chain {
    pub phase: Phase,
    pub steps: Vec<Step>,
}

impl Chain {
    pub fn one(phase: Phase, step: impl Into<Step>) -> Self {
        Chain {
            phase,
            steps: vec![step.into()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    pub reason: String,
    pub diffs: Vec<FieldDiff>,
    /// The calls apply makes for this change.
    pub steps: Vec<Chain>,
}

/// Something left in place on purpose, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kept {
    pub kind: Kind,
    pub name: String,
    pub reason: String,
}

//! Values apply learns only as it goes: the ARN of a profile it creates is needed by
//! LibreChat's role policy and by `.env`, later in the same apply. The plan names them as
//! typed references; apply records what each step made and resolves them.

use crate::change::Kind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// An ARN: known when the plan was made, or made by an earlier step of the same apply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum ArnRef {
    Known(String),
    Created { created: Kind, name: String },
}

impl ArnRef {
    pub fn created(kind: Kind, name: &str) -> Self {
        ArnRef::Created {
            created: kind,
            name: name.to_string(),
        }
    }

    /// What a plan shows for it: the ARN, or what it will be the ARN of.
    pub fn shown(&self) -> String {
        match self {
            ArnRef::Known(arn) => arn.clone(),
            ArnRef::Created { created, name } if created.id.ends_with("_version") => {
                format!("(known after apply: the version apply publishes of guardrail {name})")
            }
            ArnRef::Created { created, name } => {
                format!("(known after apply: the ARN of {} {name})", created.label)
            }
        }
    }
}

/// What apply's steps made: the ARN of each created resource, by kind and name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    arns: BTreeMap<(Kind, String), String>,
}

/// A step made something another step needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub kind: Kind,
    pub name: String,
    pub arn: String,
}

/// A reference to something that was to be made earlier in this apply, and was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved(pub ArnRef);

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ArnRef::Created { created, name } => write!(
                f,
                "{} {name} was to be created earlier in this apply, and was not",
                created.label
            ),
            ArnRef::Known(arn) => write!(f, "{arn} is not known"),
        }
    }
}

impl std::error::Error for Unresolved {}

impl Outputs {
    pub fn record(&mut self, created: Created) {
        self.arns.insert((created.kind, created.name), created.arn);
    }

    pub fn resolve(&self, r: &ArnRef) -> Result<String, Unresolved> {
        match r {
            ArnRef::Known(arn) => Ok(arn.clone()),
            ArnRef::Created { created, name } => self
                .arns
                .get(&(*created, name.clone()))
                .cloned()
                .ok_or_else(|| Unresolved(r.clone())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.arns.is_empty()
    }
}

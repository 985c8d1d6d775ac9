//! `outputs`: the stack's ARNs and names as they exist, for other tools. Each kind says what
//! it has to show (its `outputs` in the registry); nothing here names a kind.

use crate::registry::{DesiredState, ObservedState, KINDS};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// One resource of the stack that exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Output {
    /// The kind, as plans name it in JSON (`inference_profile`).
    pub kind: &'static str,
    pub name: String,
    /// Its ARN, when the resource has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// More that other tools need: a profile's `model` and `env`, a guardrail's `id` and
    /// published `version`.
    #[serde(flatten)]
    pub details: BTreeMap<&'static str, String>,
}

impl Output {
    pub fn new(kind: &'static str, name: &str, arn: Option<&str>) -> Self {
        Output {
            kind,
            name: name.to_string(),
            arn: arn.map(str::to_string),
            details: BTreeMap::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: &str) -> Self {
        self.details.insert(key, value.to_string());
        self
    }
}

/// What `outputs` prints. Values are ARNs, names and ids: never secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackOutputs {
    pub stack: String,
    pub account_id: String,
    pub region: String,
    pub resources: Vec<Output>,
    /// What the spec asks for that does not exist yet (or is not this stack's): `apply`
    /// makes it. As `kind name`.
    pub missing: Vec<String>,
}

impl StackOutputs {
    /// Add a resource when it exists (`Some`), note it missing otherwise.
    pub fn found(&mut self, kind: &crate::Kind, name: &str, output: Option<Output>) {
        match output {
            Some(output) => self.resources.push(output),
            None => self.missing.push(format!("{} {name}", kind.label)),
        }
    }
}

/// The stack's outputs: what exists of what the spec asks for, and is this stack's.
pub fn outputs(desired: &DesiredState, observed: &ObservedState) -> StackOutputs {
    let mut out = StackOutputs {
        stack: desired.stack.clone(),
        account_id: desired.account_id.clone(),
        region: desired.region.clone(),
        resources: Vec::new(),
        missing: Vec::new(),
    };
    for kind in KINDS {
        (kind.outputs)(desired, observed, &mut out);
    }
    out
}

/// For kinds with nothing to show (files, model access, cost allocation tags).
pub fn none(_: &DesiredState, _: &ObservedState, _: &mut StackOutputs) {}

impl fmt::Display for StackOutputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Stack {} in account {}, {}:",
            self.stack, self.account_id, self.region
        )?;
        if self.resources.is_empty() {
            writeln!(f, "  nothing of this stack exists yet")?;
        }
        for o in &self.resources {
            writeln!(f, "  {:<24} {}", o.kind, o.name)?;
            if let Some(arn) = &o.arn {
                writeln!(f, "  {:<24}   arn: {arn}", "")?;
            }
            for (k, v) in &o.details {
                writeln!(f, "  {:<24}   {k}: {v}", "")?;
            }
        }
        if !self.missing.is_empty() {
            writeln!(f, "Not there yet:")?;
            for m in &self.missing {
                writeln!(f, "  {m}")?;
            }
        }
        Ok(())
    }
}

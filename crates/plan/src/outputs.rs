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

impl StackOutputs {
    /// One value, addressed as a script names it (`outputs NAME`):
    /// - `stack`, `account_id`, `region`;
    /// - `KIND.NAME`: the resource's ARN, or its name when it has none;
    /// - `KIND.NAME.FIELD`: `arn`, `name`, or one of its details (`env`, `model`, `id`, ...);
    /// - a profile's `env` name: its ARN, as `.env` has it.
    ///
    /// The error says why there is none: not there yet (with what makes it), or no such
    /// output (with every address there is).
    pub fn value(&self, address: &str) -> Result<String, String> {
        match address {
            "stack" => return Ok(self.stack.clone()),
            "account_id" => return Ok(self.account_id.clone()),
            "region" => return Ok(self.region.clone()),
            _ => {}
        }
        if let Some(o) = self
            .resources
            .iter()
            .find(|o| o.details.get("env").is_some_and(|e| e == address))
        {
            return Ok(o.arn.clone().unwrap_or_else(|| o.name.clone()));
        }
        let (kind, rest) = address.split_once('.').unwrap_or((address, ""));
        let of_kind = || self.resources.iter().filter(move |o| o.kind == kind);
        // A name may hold dots (a bucket's): the whole rest first, then NAME.FIELD.
        if let Some(o) = of_kind().find(|o| o.name == rest) {
            return Ok(o.arn.clone().unwrap_or_else(|| o.name.clone()));
        }
        if let Some((name, field)) = rest.rsplit_once('.') {
            if let Some(o) = of_kind().find(|o| o.name == name) {
                return match field {
                    "name" => Ok(o.name.clone()),
                    "arn" => o
                        .arn
                        .clone()
                        .ok_or_else(|| format!("{kind}.{name} has no ARN")),
                    _ => o.details.get(field).cloned().ok_or_else(|| {
                        let mut fields = vec!["name".to_string()];
                        fields.extend(o.arn.as_ref().map(|_| "arn".to_string()));
                        fields.extend(o.details.keys().map(|k| k.to_string()));
                        format!(
                            "{kind}.{name} has no field {field:?}: it has {}",
                            fields.join(", ")
                        )
                    }),
                };
            }
        }
        if let Some(m) = self.missing.iter().find(|m| {
            m.rsplit_once(' ')
                .is_some_and(|(_, name)| name == rest || rest.starts_with(&format!("{name}.")))
        }) {
            return Err(format!(
                "{address} is not there yet ({m} is missing in account {}): `apply` makes it",
                self.account_id
            ));
        }
        Err(format!(
            "no output {address:?}; the outputs are: {}",
            self.addresses().join(", ")
        ))
    }

    /// Every address [`StackOutputs::value`] answers, but each resource's fields.
    pub fn addresses(&self) -> Vec<String> {
        let mut all: Vec<String> = ["stack", "account_id", "region"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for o in &self.resources {
            all.push(format!("{}.{}", o.kind, o.name));
            all.extend(o.details.get("env").cloned());
        }
        all
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StackOutputs {
        let profile = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc";
        StackOutputs {
            stack: "librechat".into(),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            resources: vec![
                Output::new("inference_profile", "LibreChat-Sonnet", Some(profile))
                    .with("env", "BEDROCK_SONNET_PROFILE")
                    .with("model", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
                Output::new(
                    "bucket",
                    "logs.example.com",
                    Some("arn:aws:s3:::logs.example.com"),
                ),
                Output::new("guardrail", "default", None).with("id", "gr1"),
            ],
            missing: vec!["inference profile LibreChat-Opus".into()],
        }
    }

    #[test]
    fn a_value_is_found_by_its_address_or_its_env_name() {
        let o = sample();
        let arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc";
        assert_eq!(o.value("inference_profile.LibreChat-Sonnet").unwrap(), arn);
        assert_eq!(
            o.value("inference_profile.LibreChat-Sonnet.arn").unwrap(),
            arn
        );
        assert_eq!(o.value("BEDROCK_SONNET_PROFILE").unwrap(), arn);
        assert_eq!(
            o.value("inference_profile.LibreChat-Sonnet.model").unwrap(),
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
        );
        assert_eq!(o.value("account_id").unwrap(), "111122223333");
        // A name with dots, whole or with a field.
        assert_eq!(
            o.value("bucket.logs.example.com").unwrap(),
            "arn:aws:s3:::logs.example.com"
        );
        assert_eq!(
            o.value("bucket.logs.example.com.name").unwrap(),
            "logs.example.com"
        );
        // Without an ARN, the name.
        assert_eq!(o.value("guardrail.default").unwrap(), "default");
        assert_eq!(o.value("guardrail.default.id").unwrap(), "gr1");
    }

    #[test]
    fn a_missing_or_unknown_value_says_why_and_what_there_is() {
        let o = sample();
        let missing = o.value("inference_profile.LibreChat-Opus").unwrap_err();
        assert!(
            missing.contains("not there yet") && missing.contains("`apply` makes it"),
            "{missing}"
        );
        let unknown = o.value("inference_profile.Nope").unwrap_err();
        assert!(
            unknown.contains("inference_profile.LibreChat-Sonnet, BEDROCK_SONNET_PROFILE"),
            "{unknown}"
        );
        let field = o.value("guardrail.default.version").unwrap_err();
        assert_eq!(
            field,
            "guardrail.default has no field \"version\": it has name, id"
        );
        assert_eq!(
            o.value("guardrail.default.arn").unwrap_err(),
            "guardrail.default has no ARN"
        );
    }
}

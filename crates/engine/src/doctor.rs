//! `doctor`: the reference guide's troubleshooting table and debug checklist, as named checks
//! over the files LibreChat reads (librechat.yaml, .env) and the live account. Each check
//! passes or fails with what to do; exit 1 when one fails.

mod api_key_checks;
mod librechat_checks;
mod quota_checks;

use crate::{Error, Stack};
use bedrock_plan::{policy_doc, BucketState};
use librechat_checks::{file_checks, inference_profiles, variables};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    /// None when it passed; otherwise what is wrong and the fix.
    pub failure: Option<(String, String)>,
    /// What will matter though nothing fails yet, and what to do: shown, not failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<(String, String)>,
    /// Why the check could not be made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// Every check, passed or failed with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn failed(&self) -> usize {
        self.checks.iter().filter(|c| c.failure.is_some()).count()
    }

    pub fn warned(&self) -> usize {
        self.checks.iter().filter(|c| c.warning.is_some()).count()
    }
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            match (&c.failure, &c.warning, &c.skipped) {
                (Some((what, fix)), _, _) => {
                    writeln!(f, "FAIL  {}\n        {what}\n        fix: {fix}", c.name)?
                }
                (None, Some((what, fix)), _) => {
                    writeln!(f, "warn  {}\n        {what}\n        fix: {fix}", c.name)?
                }
                (None, None, Some(why)) => writeln!(f, "skip  {}\n        {why}", c.name)?,
                (None, None, None) => writeln!(f, "ok    {}", c.name)?,
            }
        }
        let warned = match self.warned() {
            0 => String::new(),
            1 => ", 1 warning".to_string(),
            n => format!(", {n} warnings"),
        };
        writeln!(
            f,
            "\n{} checks, {} failed{warned}. Restart LibreChat after changing librechat.yaml or .env.",
            self.checks.len(),
            self.failed()
        )
    }
}

pub(crate) fn pass(name: &str) -> Check {
    Check {
        name: name.into(),
        failure: None,
        warning: None,
        skipped: None,
    }
}

pub(crate) fn fail(name: &str, what: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        failure: Some((what.into(), fix.into())),
        ..pass(name)
    }
}

pub(crate) fn warn(name: &str, what: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        warning: Some((what.into(), fix.into())),
        ..pass(name)
    }
}

pub(crate) fn skip(name: &str, why: impl Into<String>) -> Check {
    Check {
        skipped: Some(why.into()),
        ..pass(name)
    }
}

fn read_env(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            bedrock_generate::assigned_name(l).map(|n| {
                (
                    n.to_string(),
                    bedrock_generate::value_of(l, n)
                        .unwrap_or_default()
                        .to_string(),
                )
            })
        })
        .collect()
}

/// The foundation model id a configured model id routes to (`us.anthropic.x` -> `anthropic.x`).
fn foundation_id(model: &str) -> &str {
    match bedrock_spec::rules::profile_geography(model) {
        Some(_) => model.split_once('.').map_or(model, |(_, rest)| rest),
        None => model,
    }
}

/// A plan problem ("what\n  help: fix") as a check's (what, fix).
fn what_and_fix(problem: &str) -> (String, String) {
    match problem.split_once("\n  help: ") {
        Some((what, fix)) => (what.to_string(), fix.to_string()),
        None => (problem.to_string(), String::new()),
    }
}

impl Stack {
    /// Model access (the preflight as it stands, before what `[access]` would do) and the
    /// guardrail librechat.yaml names.
    fn access_checks(
        &self,
        desired: &bedrock_plan::DesiredState,
        observed: &bedrock_plan::ObservedState,
        bedrock: &Value,
    ) -> Result<Vec<Check>, Error> {
        let mut checks = Vec::new();
        let mut as_is = desired.clone();
        as_is.access = Default::default();
        let findings = bedrock_plan::resources::model_access::assess(&as_is, observed);
        let name = "the account may invoke every model the profiles route to and LibreChat lists (model access)";
        checks.push(if findings.problems.is_empty() {
            pass(name)
        } else {
            let (whats, fixes): (Vec<String>, Vec<String>) =
                findings.problems.iter().map(|p| what_and_fix(p)).unzip();
            fail(
                name,
                whats.join("\n        "),
                fixes.join("\n             "),
            )
        });
        let config = bedrock.get("guardrailConfig");
        let id = config
            .and_then(|c| c.get("guardrailIdentifier"))
            .and_then(Value::as_str);
        let version = config
            .and_then(|c| c.get("guardrailVersion"))
            .and_then(Value::as_str);
        if let (Some(id), Some(version)) = (id, version) {
            let name =
                format!("the guardrail librechat.yaml names ({id}, version {version}) exists");
            let found = self.runtime.block_on(bedrock_aws::guardrail_version(
                &self.clients,
                id,
                version,
            ))?;
            checks.push(match found {
                Some(_) => pass(&name),
                None => fail(
                    &name,
                    "Bedrock has no such guardrail or version: every call LibreChat makes with it fails (\"The guardrail identifier or version provided in the request does not exist.\")",
                    format!(
                        "run `{}` (it writes the managed guardrail's id and published version), or correct [librechat] guardrail",
                        self.suggest.command("apply")
                    ),
                ),
            });
        }
        Ok(checks)
    }

    /// The guide's troubleshooting table as checks over `librechat.yaml` and `.env` (in the
    /// output directory) and the live account.
    pub fn doctor(&self) -> Result<DoctorReport, Error> {
        let spec = self.spec().clone();
        let suggest = &self.suggest;
        let apply = suggest.command("apply");
        let generate = suggest.command("generate");
        let out_dir = &self.paths().out_dir;
        let mut checks = Vec::new();

        let yaml_path = out_dir.join("librechat.yaml");
        let mut whole = Value::Null;
        let bedrock = match std::fs::read_to_string(&yaml_path)
            .map_err(|e| e.to_string())
            .and_then(|t| bedrock_librechat::load(&t))
        {
            Ok(doc) => {
                whole = doc.clone();
                doc.get("endpoints")
                    .and_then(|e| e.get("bedrock"))
                    .cloned()
                    .unwrap_or(Value::Null)
            }
            Err(e) => {
                checks.push(fail(
                    "librechat.yaml can be read",
                    format!("{}: {e}", yaml_path.display()),
                    format!("run `{}`", suggest.offline("generate --offline")),
                ));
                Value::Null
            }
        };
        let env = read_env(&out_dir.join(".env"));
        checks.extend(file_checks(
            &bedrock,
            &env,
            &spec.librechat_models(),
            suggest,
        ));

        let (desired, observed) = self.observe_every_model()?;
        let region = &spec.stack.region;
        checks.extend(self.access_checks(&desired, &observed, &bedrock)?);
        // Whether the region offers titleModel by id, when the stack's desired state names it.
        let title_offered = spec.librechat.title_model.as_ref().and_then(|title| {
            desired
                .direct
                .iter()
                .find(|(arn, _)| arn.ends_with(&format!("/{title}")))
                .map(|(arn, _)| {
                    matches!(
                        observed.sources.get(arn),
                        Some(bedrock_plan::SourceState::Routes { .. })
                    )
                })
        });
        checks.extend(librechat_checks::librechat_checks(
            &whole,
            &bedrock,
            &env,
            title_offered,
            &suggest.offline("generate --offline"),
            desired.api_key.is_some(),
        ));
        let env_text = std::fs::read_to_string(out_dir.join(".env")).ok();
        checks.extend(api_key_checks::api_key_check(
            &desired,
            &observed,
            env_text.as_deref(),
            &apply,
        ));
        let name = format!(
            ".env's BEDROCK_AWS_DEFAULT_REGION is the stack's region {region} (\"Profile not found\")"
        );
        checks.push(match env.get("BEDROCK_AWS_DEFAULT_REGION") {
            Some(r) if r == region => pass(&name),
            other => fail(
                &name,
                format!(
                    "it is {}",
                    other.map_or("not set".to_string(), |r| format!("{r:?}"))
                ),
                format!("run `{generate}`, then restart LibreChat"),
            ),
        });

        // Every mapped profile ARN: exists, ACTIVE, in the region, routes to its key's model.
        for (model, target) in &inference_profiles(&bedrock) {
            let name = format!(
                "the profile mapped to {model} exists, is ACTIVE in {region} and routes to {model}"
            );
            // An ARN from .env is the user's file's value: named, never printed.
            let (arn, shown) = match variables(target).first() {
                Some(var) => match env.get(var) {
                    Some(v) if !v.is_empty() => (v.clone(), format!("the ARN .env gives {var}")),
                    _ => {
                        checks.push(fail(
                            &name,
                            format!("${{{var}}} is not set in .env"),
                            format!("run `{generate}`"),
                        ));
                        continue;
                    }
                },
                None => (target.clone(), target.clone()),
            };
            let live = self
                .runtime
                .block_on(bedrock_aws::read_profile(&self.clients, &arn));
            // The stack's live profile for this model, if it has one: a missing ARN beside a
            // live profile is a stale .env, not a deleted profile.
            let stacks = spec
                .profiles
                .iter()
                .find(|p| p.model == *model)
                .and_then(|p| observed.profiles.iter().find(|o| o.name == p.name));
            checks.push(match live {
                Err(e) => match stacks {
                    Some(live) => fail(
                        &name,
                        format!(
                            "{shown} is not a profile ({}); the stack's profile {} has another ARN",
                            e.code.as_deref().unwrap_or("error"),
                            live.name
                        ),
                        format!("run `{generate}` (it writes the live ARN into .env), then restart LibreChat"),
                    ),
                    None => fail(
                        &name,
                        format!("{shown}: {}", e.code.as_deref().unwrap_or("error")),
                        format!("the profile is gone: run `{apply}` (it recreates it and rewrites .env), then restart LibreChat"),
                    ),
                },
                Ok(p) => {
                    let in_region = arn.split(':').nth(3).unwrap_or_default();
                    let routes = p
                        .models
                        .iter()
                        .any(|m| m.ends_with(&format!("/{}", foundation_id(model))));
                    if p.status != "ACTIVE" {
                        fail(
                            &name,
                            format!("{shown} is {}", p.status),
                            format!("wait for it, or run `{apply}`"),
                        )
                    } else if in_region != region {
                        fail(&name, format!("{shown} is in {in_region}"), format!("LibreChat calls the stack's region: run `{generate}` to map the profile of this region"))
                    } else if !routes {
                        fail(
                            &name,
                            format!("{shown} routes to other models than {model}"),
                            format!("run `{apply}`: it replaces the profile and rewrites .env"),
                        )
                    } else {
                        pass(&name)
                    }
                }
            });
        }

        let run_apply = format!("run `{apply}`");
        if desired.logging_managed {
            let name = if desired.logging_to_cloudwatch {
                "model invocation logging is on and points at this stack's role, log group and bucket"
            } else {
                "model invocation logging is on and delivers to this stack's bucket"
            };
            checks.push(match &observed.logging {
                None => fail(name, "logging is off", &run_apply),
                Some(l) if *l == desired.logging => pass(name),
                Some(l) => fail(
                    name,
                    format!(
                        "it points at log group {}, role {}, bucket {}, S3 destination {}",
                        l.log_group.as_deref().unwrap_or("(none)"),
                        l.role_arn.as_deref().unwrap_or("(none)"),
                        l.large_data_bucket.as_deref().unwrap_or("(none)"),
                        l.s3_destination.as_deref().unwrap_or("(none)")
                    ),
                    &run_apply,
                ),
            });

            let name = "the logging role trusts bedrock.amazonaws.com";
            // S3 alone needs no role: nothing to check.
            let role_check = desired.logging_to_cloudwatch.then(|| match &observed.role {
                None => fail(
                    name,
                    format!("role {} does not exist", desired.role.name),
                    &run_apply,
                ),
                Some(r) => match bedrock_policy::lint(bedrock_policy::PolicyKind::LoggingTrust, &r.trust) {
                    // The principal and the conditions, as they are live.
                    Some((statement, what)) => fail(
                        name,
                        format!("its trust policy's {statement} {what}"),
                        &run_apply,
                    ),
                    None if policy_doc::covers(&r.trust, &desired.role.trust) => pass(name),
                    None => fail(
                        name,
                        format!(
                            "its trust policy does not let Bedrock in from {} as policies/bedrock-logging-trust.json does",
                            desired.region
                        ),
                        &run_apply,
                    ),
                },
            });
            checks.extend(role_check);

            let name = "the log bucket exists in the stack's region";
            checks.push(match &observed.bucket {
                BucketState::Present(_) => pass(name),
                BucketState::Missing => fail(
                    name,
                    format!("bucket {} does not exist", desired.bucket.name),
                    &run_apply,
                ),
                BucketState::OtherRegion { region } => fail(
                    name,
                    format!("it is in {region}"),
                    "choose another [logging] bucket name",
                ),
                BucketState::Foreign => fail(
                    name,
                    "the name is taken by another account",
                    "choose another [logging] bucket name",
                ),
            });
        } else {
            let name =
                "model invocation logging is on (left to another stack or team: [logging] managed = false)";
            checks.push(match &observed.logging {
                None => fail(
                    name,
                    format!("logging is off in {region}"),
                    "ask whoever manages the account's logging to turn it on, or set [logging] managed = true for this stack to set it up",
                ),
                Some(l) => pass(&format!(
                    "{name}: log group {}",
                    l.log_group.as_deref().unwrap_or("(none: S3 only)")
                )),
            });
        }

        if let Some(rt) = &desired.runtime {
            let name = format!(
                "LibreChat's role {} may invoke the stack's profiles (\"Access Denied\")",
                rt.role
            );
            checks.push(match &observed.runtime_role {
                None if desired.librechat_role.is_some() => fail(
                    &name,
                    "the role does not exist",
                    format!("run `{apply}`: the stack makes it ([librechat.role])"),
                ),
                None => fail(
                    &name,
                    "the role does not exist",
                    "create LibreChat's role, or remove [librechat] runtime_role",
                ),
                Some(o) if o.policy.is_none() => fail(
                    &name,
                    format!("it has no {} policy", rt.policy),
                    format!("run `{apply}` (with --adopt the first time)"),
                ),
                Some(_) => {
                    let options = bedrock_plan::PlanOptions {
                        adopt: true,
                        ..bedrock_plan::PlanOptions::default()
                    };
                    let kind = bedrock_plan::resources::runtime_policy::KIND;
                    let drifted = bedrock_plan::plan(&desired, &observed, &options)
                        .map(|p| p.changed().any(|c| c.kind == kind))
                        .unwrap_or(true);
                    if drifted {
                        fail(
                            &name,
                            "its policy does not cover exactly the stack's profiles",
                            &run_apply,
                        )
                    } else {
                        pass(&name)
                    }
                }
            });
        }
        let presets = quota_checks::preset_max_tokens(&whole);
        let listed = |profile: &str| {
            spec.profiles
                .iter()
                .find(|p| p.name == profile)
                .map(|p| p.model.clone())
        };
        let asked = |profile: &str| {
            spec.quotas
                .increase
                .iter()
                .find(|q| q.profile == profile)
                .and_then(|q| q.tokens_per_minute)
        };
        checks.extend(quota_checks::quota_checks(
            &self.quotas()?,
            &presets,
            &listed,
            &asked,
        ));
        Ok(DoctorReport { checks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foundation_ids() {
        assert_eq!(
            foundation_id("us.anthropic.claude-x:0"),
            "anthropic.claude-x:0"
        );
        assert_eq!(
            foundation_id("anthropic.claude-x:0"),
            "anthropic.claude-x:0"
        );
    }
}

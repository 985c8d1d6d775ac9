//! `doctor`: the reference guide's troubleshooting table and debug checklist, as named checks
//! over the files LibreChat reads (librechat.yaml, .env) and the live account. Each check
//! passes or fails with what to do; exit 1 when one fails.

use crate::output::{error, Exit};
use crate::stack::{session, AwsOptions};
use bedrock_plan::{policy_doc, BucketState};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    /// None when it passed; otherwise what is wrong and the fix.
    pub failure: Option<(String, String)>,
}

fn pass(name: &str) -> Check {
    Check {
        name: name.into(),
        failure: None,
    }
}

fn fail(name: &str, what: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        failure: Some((what.into(), fix.into())),
    }
}

/// The `${VAR}` names in a text.
fn variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

fn strings_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| strings_in(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings_in(i, out)),
        _ => {}
    }
}

/// `endpoints.bedrock.inferenceProfiles`: model id -> value.
fn inference_profiles(bedrock: &Value) -> BTreeMap<String, String> {
    bedrock
        .get("inferenceProfiles")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The checks that need only the two files: the first three rows of the guide's table.
pub fn file_checks(
    bedrock: &Value,
    env: &BTreeMap<String, String>,
    configured_models: &[String],
) -> Vec<Check> {
    let mut checks = Vec::new();
    let models: Vec<String> = bedrock
        .get("models")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let profiles = inference_profiles(bedrock);

    let name = "every configured model is in endpoints.bedrock.models (\"Model not recognized\")";
    let missing: Vec<&String> = configured_models
        .iter()
        .filter(|m| !models.contains(m))
        .collect();
    checks.push(if missing.is_empty() {
        pass(name)
    } else {
        fail(
            name,
            format!("not listed: {}", missing.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", ")),
            "run `cargo xtask generate --offline` (or add them to models in librechat.yaml), then restart LibreChat",
        )
    });

    let name = "every inferenceProfiles key matches a listed model exactly, case included (\"ARN not being used\")";
    let unmatched: Vec<String> = profiles
        .keys()
        .filter(|k| !models.contains(k))
        .map(
            |k| match models.iter().find(|m| m.eq_ignore_ascii_case(k)) {
                Some(m) => format!("{k:?} (differs from {m:?} in case)"),
                None => format!("{k:?}"),
            },
        )
        .collect();
    checks.push(if unmatched.is_empty() {
        pass(name)
    } else {
        fail(name, format!("keys that are not listed models: {}", unmatched.join(", ")), "make each key exactly a model id of models (`cargo xtask generate --offline` writes them so), then restart LibreChat")
    });

    let name = "every ${VAR} in endpoints.bedrock is set in .env (\"Env variable not resolved\")";
    let mut strings = Vec::new();
    strings_in(bedrock, &mut strings);
    let mut unset: Vec<String> = strings
        .iter()
        .flat_map(|s| variables(s))
        .filter(|v| env.get(v).is_none_or(|value| value.is_empty()))
        .collect();
    unset.sort();
    unset.dedup();
    checks.push(if unset.is_empty() {
        pass(name)
    } else {
        fail(name, format!("not set: {}", unset.join(", ")), "run `cargo xtask generate` (it writes every profile ARN into .env), then restart LibreChat")
    });
    checks
}

pub struct DoctorCommand {
    pub out: Option<PathBuf>,
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

pub fn doctor(config: &Path, aws: &AwsOptions, cmd: &DoctorCommand) -> Exit {
    let s = match session(config, aws) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let spec = s.spec().clone();
    let out_dir = cmd.out.clone().unwrap_or_else(|| s.spec_dir.clone());
    let mut checks = Vec::new();

    let yaml_path = out_dir.join("librechat.yaml");
    let bedrock = match std::fs::read_to_string(&yaml_path)
        .map_err(|e| e.to_string())
        .and_then(|t| bedrock_librechat::load(&t))
    {
        Ok(doc) => doc
            .get("endpoints")
            .and_then(|e| e.get("bedrock"))
            .cloned()
            .unwrap_or(Value::Null),
        Err(e) => {
            checks.push(fail(
                "librechat.yaml can be read",
                format!("{}: {e}", yaml_path.display()),
                "run `cargo xtask generate --offline`",
            ));
            Value::Null
        }
    };
    let env = read_env(&out_dir.join(".env"));
    checks.extend(file_checks(&bedrock, &env, &spec.librechat_models()));

    let (desired, observed) = match s.observe() {
        Ok(v) => v,
        Err(e) => return e,
    };

    let name = format!(
        ".env's BEDROCK_AWS_DEFAULT_REGION is the stack's region {} (\"Profile not found\")",
        spec.stack.region
    );
    checks.push(match env.get("BEDROCK_AWS_DEFAULT_REGION") {
        Some(r) if *r == spec.stack.region => pass(&name),
        other => fail(
            &name,
            format!(
                "it is {}",
                other.map_or("not set".to_string(), |r| format!("{r:?}"))
            ),
            "run `cargo xtask generate`, then restart LibreChat",
        ),
    });

    // Every mapped profile ARN: exists, ACTIVE, in the region, routes to its key's model.
    let profiles = inference_profiles(&bedrock);
    for (model, target) in &profiles {
        let name = format!(
            "the profile {model} is mapped to exists, is ACTIVE in {} and routes to {model}",
            spec.stack.region
        );
        let arn = match variables(target).first() {
            Some(var) => match env.get(var) {
                Some(v) if !v.is_empty() => v.clone(),
                _ => {
                    checks.push(fail(
                        &name,
                        format!("${{{var}}} is not set in .env"),
                        "run `cargo xtask generate`",
                    ));
                    continue;
                }
            },
            None => target.clone(),
        };
        let got = s.runtime.block_on(
            s.clients
                .bedrock
                .get_inference_profile()
                .inference_profile_identifier(&arn)
                .send(),
        );
        let check = match got {
            Err(e) => {
                let code = aws_sdk_bedrock::error::ProvideErrorMetadata::code(&e)
                    .unwrap_or("error")
                    .to_string();
                fail(&name, format!("{arn}: {code}"), "the profile is gone: run `cargo xtask apply` (it recreates it and rewrites .env), then restart LibreChat")
            }
            Ok(p) => {
                let region = arn.split(':').nth(3).unwrap_or_default();
                let routes = p
                    .models()
                    .iter()
                    .filter_map(|m| m.model_arn())
                    .any(|m| m.ends_with(&format!("/{}", foundation_id(model))));
                if p.status().as_str() != "ACTIVE" {
                    fail(
                        &name,
                        format!("{arn} is {}", p.status().as_str()),
                        "wait for it, or run `cargo xtask apply`",
                    )
                } else if region != spec.stack.region {
                    fail(&name, format!("{arn} is in {region}"), "LibreChat calls the stack's region: run `cargo xtask generate` to map the profile of this region")
                } else if !routes {
                    fail(
                        &name,
                        format!("{arn} routes to other models than {model}"),
                        "run `cargo xtask apply`: it replaces the profile and rewrites .env",
                    )
                } else {
                    pass(&name)
                }
            }
        };
        checks.push(check);
    }

    let name =
        "model invocation logging is on and points at this stack's role, log group and bucket";
    checks.push(match &observed.logging {
        None => fail(name, "logging is off", "run `cargo xtask apply`"),
        Some(l) if *l == desired.logging => pass(name),
        Some(l) => fail(
            name,
            format!(
                "it points at log group {}, role {}, bucket {}",
                l.log_group.as_deref().unwrap_or("(none)"),
                l.role_arn.as_deref().unwrap_or("(none)"),
                l.large_data_bucket.as_deref().unwrap_or("(none)")
            ),
            "run `cargo xtask apply`",
        ),
    });

    let name = "the logging role trusts bedrock.amazonaws.com";
    checks.push(match &observed.role {
        None => fail(
            name,
            format!("role {} does not exist", desired.role.name),
            "run `cargo xtask apply`",
        ),
        Some(r) if policy_doc::equivalent(&r.trust, &desired.role.trust) => pass(name),
        Some(_) => fail(
            name,
            "its trust policy differs from policies/bedrock-logging-trust.json",
            "run `cargo xtask apply`",
        ),
    });

    let name = "the log bucket exists in the stack's region";
    checks.push(match &observed.bucket {
        BucketState::Present(_) => pass(name),
        BucketState::Missing => fail(
            name,
            format!("bucket {} does not exist", desired.bucket.name),
            "run `cargo xtask apply`",
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

    if let Some(rt) = &desired.runtime {
        let name = format!(
            "LibreChat's role {} may invoke the stack's profiles (\"Access Denied\")",
            rt.role
        );
        checks.push(match &observed.runtime_role {
            None => fail(
                &name,
                "the role does not exist",
                "create LibreChat's role, or remove [librechat] runtime_role",
            ),
            Some(o) if o.policy.is_none() => fail(
                &name,
                "it has no LibreChatBedrockInvoke policy",
                "run `cargo xtask apply` (with --adopt the first time)",
            ),
            Some(_) => {
                let plan = bedrock_plan::plan(
                    &desired,
                    &observed,
                    bedrock_plan::PlanOptions { adopt: true },
                );
                let drifted = plan
                    .map(|p| {
                        p.changes.iter().any(|c| {
                            c.kind == bedrock_plan::ResourceKind::RuntimeRole
                                && c.action != bedrock_plan::Action::NoOp
                        })
                    })
                    .unwrap_or(true);
                if drifted {
                    fail(
                        &name,
                        "its policy does not cover exactly the stack's profiles",
                        "run `cargo xtask apply`",
                    )
                } else {
                    pass(&name)
                }
            }
        });
    }

    let failed = checks.iter().filter(|c| c.failure.is_some()).count();
    for c in &checks {
        match &c.failure {
            None => println!("ok    {}", c.name),
            Some((what, fix)) => {
                println!("FAIL  {}\n        {what}\n        fix: {fix}", c.name);
            }
        }
    }
    println!(
        "\n{} checks, {} failed. Restart LibreChat after changing librechat.yaml or .env.",
        checks.len(),
        failed
    );
    if failed > 0 {
        error(format!(
            "{failed} check{} failed",
            if failed == 1 { "" } else { "s" }
        ));
        Exit::Error
    } else {
        Exit::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_file_rows_of_the_troubleshooting_table() {
        let bedrock = json!({
            "models": ["us.a.b-v1:0", "us.c.d-v1:0"],
            "inferenceProfiles": {"us.a.b-v1:0": "${A}", "US.c.d-v1:0": "${C}", "x.y": "arn:x"}
        });
        let env = BTreeMap::from([
            ("A".to_string(), "arn:a".to_string()),
            ("C".to_string(), String::new()),
        ]);
        let checks = file_checks(
            &bedrock,
            &env,
            &["us.a.b-v1:0".into(), "us.e.f-v1:0".into()],
        );
        let failures: Vec<String> = checks
            .iter()
            .filter_map(|c| c.failure.as_ref().map(|f| f.0.clone()))
            .collect();
        assert_eq!(failures.len(), 3, "{failures:?}");
        assert!(failures[0].contains("us.e.f-v1:0"));
        assert!(
            failures[1].contains("differs from \"us.c.d-v1:0\" in case")
                && failures[1].contains("\"x.y\"")
        );
        assert!(failures[2].contains("not set: C"));
        let good = json!({"models": ["us.a.b-v1:0"], "inferenceProfiles": {"us.a.b-v1:0": "${A}"}});
        assert!(file_checks(&good, &env, &["us.a.b-v1:0".into()])
            .iter()
            .all(|c| c.failure.is_none()));
    }

    #[test]
    fn variables_and_foundation_ids() {
        assert_eq!(variables("${A} and ${B_2}"), ["A", "B_2"]);
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

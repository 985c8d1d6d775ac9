//! `doctor`'s checks of how LibreChat will read its files: what the guide's table does not
//! name but LibreChat trips over. Pure: the files' contents in, checks out.

use super::{fail, pass, Check};
use bedrock_plan::Suggest;
use serde_json::Value;
use std::collections::BTreeMap;

/// The `${VAR}` names in a text.
pub(crate) fn variables(text: &str) -> Vec<String> {
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
pub(crate) fn inference_profiles(bedrock: &Value) -> BTreeMap<String, String> {
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
    suggest: &Suggest,
) -> Vec<Check> {
    let offline = suggest.offline("generate --offline");
    let generate = suggest.command("generate");
    let mut checks = Vec::new();
    let models = models_of(bedrock);
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
            format!(
                "not listed: {}",
                missing
                    .iter()
                    .map(|m| format!("{m:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!(
                "run `{offline}` (or add them to models in librechat.yaml), then restart LibreChat"
            ),
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
        fail(name, format!("keys that are not listed models: {}", unmatched.join(", ")), format!("make each key exactly a model id of models (`{offline}` writes them so), then restart LibreChat"))
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
        fail(
            name,
            format!("not set: {}", unset.join(", ")),
            format!(
                "run `{generate}` (it writes every profile ARN into .env), then restart LibreChat"
            ),
        )
    });
    checks
}

/// `endpoints.bedrock.models`.
fn models_of(bedrock: &Value) -> Vec<String> {
    bedrock
        .get("models")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The checks over the whole `librechat.yaml` (`doc`), its `endpoints.bedrock` and `.env`.
/// `title_offered`: whether the stack's region offers `titleModel` by id (None: not known).
pub fn librechat_checks(
    doc: &Value,
    bedrock: &Value,
    env: &BTreeMap<String, String>,
    title_offered: Option<bool>,
    offline: &str,
    api_key: bool,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let models = models_of(bedrock);
    let profiles: BTreeMap<String, String> = bedrock
        .get("inferenceProfiles")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();

    // modelSpecs: a bedrock preset naming a model LibreChat does not list fails when picked.
    let name = "every modelSpecs entry of the bedrock endpoint names a listed model";
    let stale: Vec<String> = doc
        .get("modelSpecs")
        .and_then(|m| m.get("list"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|spec| {
            let preset = spec.get("preset")?;
            let endpoint = preset.get("endpoint")?.as_str()?;
            let model = preset.get("model")?.as_str()?;
            (endpoint == "bedrock" && !models.iter().any(|m| m == model)).then(|| {
                format!(
                    "{} -> {model:?}",
                    spec.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("(unnamed)")
                )
            })
        })
        .collect();
    checks.push(if stale.is_empty() {
        pass(name)
    } else {
        fail(
            name,
            format!("entries whose model is not in endpoints.bedrock.models: {}", stale.join(", ")),
            "remove those entries from modelSpecs (a removed profile's model stays there until you do), or add the model to [librechat] models; then restart LibreChat",
        )
    });

    // titleModel: LibreChat titles every conversation with it.
    // (A model LibreChat sends to bedrock-mantle cannot be checked: no AWS SDK reads it.)
    if let Some(title) = bedrock
        .get("titleModel")
        .and_then(Value::as_str)
        .filter(|t| !bedrock_spec::mantle::routes_to_bedrock_mantle(t))
    {
        let name = format!("titleModel {title} can be called in the region LibreChat uses");
        let region = env
            .get("BEDROCK_AWS_DEFAULT_REGION")
            .cloned()
            .unwrap_or_default();
        checks.push(if title == "current_model" || profiles.contains_key(title) {
            pass(&name)
        } else {
            match title_offered {
                Some(false) => fail(
                    &name,
                    format!("{region} does not offer {title} by id: every title request fails"),
                    format!("set [librechat] title_model to a model with a profile, or one the region offers, then run `{offline}`"),
                ),
                // Offered, or not one the stack knows of (LibreChat's own file): no finding.
                _ => pass(&name),
            }
        });
    }

    // Every profile ARN must be in the region LibreChat calls.
    if let Some(region) = env.get("BEDROCK_AWS_DEFAULT_REGION") {
        let name =
            format!("every profile ARN LibreChat uses is in BEDROCK_AWS_DEFAULT_REGION ({region})");
        let elsewhere: Vec<String> = profiles
            .iter()
            .filter_map(|(model, value)| {
                let arn = match value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
                    Some(var) => env.get(var)?.clone(),
                    None => value.clone(),
                };
                let in_region = arn.split(':').nth(3)?;
                (in_region != region).then(|| format!("{model} ({in_region})"))
            })
            .collect();
        checks.push(if elsewhere.is_empty() {
            pass(&name)
        } else {
            fail(
                &name,
                format!("profiles in another region: {}; LibreChat calls them in {region} and gets \"Profile not found\"", elsewhere.join(", ")),
                "map each model to the profile of LibreChat's region (run `generate` for the stack of that region), or change BEDROCK_AWS_DEFAULT_REGION",
            )
        });
    }

    // An API key wins over every other credential in LibreChat: expected only when the
    // stack makes it ([librechat.api_key], its own check).
    if api_key {
        return checks;
    }
    let name = "BEDROCK_AWS_BEARER_TOKEN is not set in .env (it takes precedence over every other credential)";
    checks.push(match env.get("BEDROCK_AWS_BEARER_TOKEN") {
        Some(v) if !v.is_empty() => fail(
            name,
            "LibreChat calls Bedrock with that API key, not with the keys, profile or role the stack's policy is for",
            "remove BEDROCK_AWS_BEARER_TOKEN from .env unless that key is meant to be LibreChat's identity, then restart LibreChat",
        ),
        _ => pass(name),
    });
    checks
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
            &Suggest::default(),
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
        assert!(
            file_checks(&good, &env, &["us.a.b-v1:0".into()], &Suggest::default())
                .iter()
                .all(|c| c.failure.is_none())
        );
    }

    #[test]
    fn variables_are_read_from_text() {
        assert_eq!(variables("${A} and ${B_2}"), ["A", "B_2"]);
    }

    #[test]
    fn each_librechat_mismatch_is_found() {
        let bedrock = json!({
            "models": ["us.a.b-v1:0"],
            "inferenceProfiles": {"us.a.b-v1:0": "${P}"},
            "titleModel": "us.c.d-v1:0"
        });
        let doc = json!({
            "endpoints": {"bedrock": bedrock.clone()},
            "modelSpecs": {"list": [
                {"name": "gone", "preset": {"endpoint": "bedrock", "model": "us.removed-v1:0"}},
                {"name": "fine", "preset": {"endpoint": "bedrock", "model": "us.a.b-v1:0"}},
                {"name": "other", "preset": {"endpoint": "openAI", "model": "gpt"}}
            ]}
        });
        let env = BTreeMap::from([
            (
                "BEDROCK_AWS_DEFAULT_REGION".to_string(),
                "us-east-1".to_string(),
            ),
            (
                "P".to_string(),
                "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/x"
                    .to_string(),
            ),
            ("BEDROCK_AWS_BEARER_TOKEN".to_string(), "secret".to_string()),
        ]);
        let checks = librechat_checks(
            &doc,
            &bedrock,
            &env,
            Some(false),
            "generate --offline",
            false,
        );
        let failed: Vec<&str> = checks
            .iter()
            .filter_map(|c| c.failure.as_ref().map(|(what, _)| what.as_str()))
            .collect();
        assert_eq!(failed.len(), 4, "{checks:#?}");
        assert!(failed[0].contains("gone -> \"us.removed-v1:0\"") && !failed[0].contains("fine"));
        assert!(failed[1].contains("does not offer us.c.d-v1:0"));
        assert!(failed[2].contains("us.a.b-v1:0 (us-west-2)"));
        assert!(failed[3].contains("API key"));
        assert!(
            !checks.iter().any(|c| format!("{c:?}").contains("secret")),
            "no value printed"
        );

        let fixed_env = BTreeMap::from([
            (
                "BEDROCK_AWS_DEFAULT_REGION".to_string(),
                "us-west-2".to_string(),
            ),
            (
                "P".to_string(),
                "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/x"
                    .to_string(),
            ),
        ]);
        let good_doc = json!({"endpoints": {"bedrock": bedrock.clone()}});
        let checks = librechat_checks(
            &good_doc,
            &bedrock,
            &fixed_env,
            Some(true),
            "generate --offline",
            false,
        );
        assert!(checks.iter().all(|c| c.failure.is_none()), "{checks:#?}");
        // With the stack's API key, the line is expected: its own check (api_key_checks).
        let keyed = BTreeMap::from([("BEDROCK_AWS_BEARER_TOKEN".to_string(), "k".to_string())]);
        let checks = librechat_checks(
            &good_doc,
            &bedrock,
            &keyed,
            None,
            "generate --offline",
            true,
        );
        assert!(
            checks
                .iter()
                .all(|c| !c.name.contains("BEDROCK_AWS_BEARER_TOKEN")),
            "{checks:#?}"
        );
    }
}

//! The `[librechat]` keys [`ENDPOINT_KEYS`] reads generically: each is checked with the type
//! and limits of LibreChat's schema and kept by its LibreChat key for the renderer.

use super::cx::{join, kind, problem, Cx};
use super::table::Table;
use crate::endpoint_keys::{EndpointValue, KeyKind, ENDPOINT_KEYS, MAX_SAFE_INTEGER};
use crate::rules;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::DeValue;

/// Read every non-dedicated key of the table from `[librechat]`; returns the values and
/// whether they all hold.
pub(super) fn decode_endpoint_keys(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
) -> (BTreeMap<&'static str, EndpointValue>, bool) {
    let mut ok = true;
    let mut out = BTreeMap::new();
    for key in ENDPOINT_KEYS {
        let path = join("librechat", key.spec);
        let value = match key.kind {
            KeyKind::Dedicated => continue,
            KeyKind::Bool => t.bool(cx, key.spec).map(EndpointValue::Bool),
            KeyKind::Text => t.string(cx, key.spec).map(|(s, _)| EndpointValue::Text(s)),
            KeyKind::OneOf(allowed) => t.string(cx, key.spec).and_then(|(s, span)| {
                let what = format!("{} (LibreChat's {})", key.spec, key.librechat);
                cx.rule(&path, &span, rules::one_of(&what, &s, allowed))
                    .then_some(EndpointValue::Text(s))
            }),
            KeyKind::Url => t.string(cx, key.spec).and_then(|(s, span)| {
                cx.rule(&path, &span, rules::base_url(&s))
                    .then_some(EndpointValue::Text(s))
            }),
            KeyKind::PositiveInt | KeyKind::NonNegativeInt => {
                t.integer(cx, key.spec).and_then(|(n, span)| {
                    let least = if key.kind == KeyKind::PositiveInt {
                        1
                    } else {
                        0
                    };
                    cx.rule(&path, &span, whole_number(n, least))
                        .then_some(EndpointValue::Int(n))
                })
            }
            KeyKind::PositiveNumber => t.number(cx, key.spec).and_then(|(n, span)| {
                let rule = if n.is_finite() && n > 0.0 {
                    Ok(())
                } else {
                    Err(rules::Problem {
                        message: format!("{n} is not a positive number"),
                        help: "use a number greater than 0, e.g. 50000".into(),
                    })
                };
                cx.rule(&path, &span, rule)
                    .then_some(EndpointValue::Number(n))
            }),
            KeyKind::Headers => headers(cx, t, key.spec).map(EndpointValue::Map),
        };
        let present = t.table.iter().any(|(k, _)| k.get_ref() == key.spec);
        match value {
            Some(v) => {
                out.insert(key.librechat, v);
            }
            None if present => ok = false,
            None => {}
        }
    }
    (out, ok)
}

fn whole_number(n: i64, least: i64) -> rules::Rule {
    if n < least {
        let what = if least == 1 {
            "a positive whole number"
        } else {
            "a whole number of 0 or more"
        };
        return Err(rules::Problem {
            message: format!("{n} is not {what}, as LibreChat's schema requires"),
            help: format!("use a whole number of at least {least}"),
        });
    }
    if n > MAX_SAFE_INTEGER {
        return Err(rules::Problem {
            message: format!("{n} is larger than LibreChat reads exactly (JavaScript numbers are exact up to {MAX_SAFE_INTEGER})"),
            help: "use a smaller whole number".into(),
        });
    }
    Ok(())
}

/// `headers = { "X-Name" = "value" }`: names and values as written, in the order written.
fn headers(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    key: &'static str,
) -> Option<Vec<(String, String)>> {
    let table = t.table(cx, key)?;
    let mut ok = true;
    let mut out: Vec<(String, String, Range<usize>)> = Vec::new();
    for (k, v) in table.table.iter() {
        let name = k.get_ref().to_string();
        let path = join(&table.path, &name);
        cx.spans.insert(path.clone(), v.span());
        if !cx.rule(&path, &k.span(), rules::header_name(&name)) {
            ok = false;
        } else if let Some((other, _, _)) =
            out.iter().find(|(o, _, _)| o.eq_ignore_ascii_case(&name))
        {
            cx.error(
                &path,
                k.span(),
                problem(
                    format!("{name:?} and {other:?} are one header (HTTP names ignore case)"),
                    "keep one of them",
                ),
            );
            ok = false;
        }
        match v.get_ref() {
            DeValue::String(s) => {
                if cx.rule(&path, &v.span(), rules::header_value(s)) {
                    out.push((name, s.to_string(), k.span()));
                } else {
                    ok = false;
                }
            }
            other => {
                cx.error(
                    &path,
                    v.span(),
                    problem(
                        format!("expected a string, found {}", kind(other)),
                        "put the header's value in double quotes, e.g. \"team-a\" or \"Bearer ${GATEWAY_TOKEN}\"",
                    ),
                );
                ok = false;
            }
        }
    }
    if table.table.is_empty() {
        cx.error(
            &table.path,
            table.span.clone(),
            problem(
                "headers is empty",
                "add a header, e.g. headers = { \"X-Team\" = \"platform\" }, or remove the key",
            ),
        );
        ok = false;
    }
    // Keep the order the user wrote (the map itself is sorted by key).
    out.sort_by_key(|(_, _, span)| span.start);
    ok.then(|| out.into_iter().map(|(k, v, _)| (k, v)).collect())
}

#[cfg(test)]
mod tests {
    use crate::{EndpointValue, GuardrailTarget};

    const STACK: &str = "[stack]\nname = \"s\"\nregion = \"us-east-1\"\n";
    const PROFILE: &str = "[[profiles]]\nname = \"P\"\nmodel = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\"\nenv = \"BEDROCK_P\"\n";

    /// Each error as `path: message (help)`.
    fn errors(librechat: &str) -> Vec<String> {
        let src = format!("{STACK}{PROFILE}[librechat]\n{librechat}\n");
        crate::check(&src)
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .map(|d| format!("{}: {} ({})", d.path, d.message, d.help))
            .collect()
    }

    fn one_error(librechat: &str, path: &str, says: &str) {
        let errors = errors(librechat);
        assert_eq!(errors.len(), 1, "{librechat}: {errors:#?}");
        assert!(
            errors[0].starts_with(&format!("{path}: ")) && errors[0].contains(says),
            "{librechat}: {errors:#?}"
        );
    }

    #[test]
    fn a_guardrail_of_another_region_is_refused() {
        one_error(
            "guardrail = { identifier = \"arn:aws:bedrock:us-west-2:111122223333:guardrail/abc123\", version = \"1\" }",
            "librechat.guardrail.identifier",
            "the guardrail's ARN is in us-west-2, and the stack's region is us-east-1",
        );
        assert!(errors("guardrail = { identifier = \"arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123\", version = \"1\" }").is_empty());
    }

    #[test]
    fn wrong_types_name_the_key_and_the_type_expected() {
        one_error(
            "activity_label = \"yes\"",
            "librechat.activity_label",
            "expected a boolean, found a string",
        );
        one_error(
            "activity_model = 3",
            "librechat.activity_model",
            "expected a string, found an integer",
        );
        one_error(
            "activity_max_per_run = 2.5",
            "librechat.activity_max_per_run",
            "expected a whole number, found a float",
        );
        one_error(
            "max_tool_result_chars = \"50000\"",
            "librechat.max_tool_result_chars",
            "expected a number, found a string",
        );
        one_error(
            "headers = \"X-A: b\"",
            "librechat.headers",
            "expected a table, found a string",
        );
        one_error(
            "headers = { X-A = 1 }",
            "librechat.headers.X-A",
            "expected a string, found an integer",
        );
        one_error("base_url = true", "librechat.base_url", "expected a string");
    }

    #[test]
    fn values_out_of_librechat_s_range_are_refused() {
        one_error(
            "activity_max_per_run = 0",
            "librechat.activity_max_per_run",
            "0 is not a positive whole number",
        );
        one_error(
            "reasoning_label_min_chars = -5",
            "librechat.reasoning_label_min_chars",
            "not a positive whole number",
        );
        one_error(
            "reasoning_label_update_interval_ms = -1",
            "librechat.reasoning_label_update_interval_ms",
            "0 or more",
        );
        one_error(
            "activity_char_limit = 9007199254740992",
            "librechat.activity_char_limit",
            "larger than LibreChat reads exactly",
        );
        one_error(
            "max_tool_result_chars = 0",
            "librechat.max_tool_result_chars",
            "not a positive number",
        );
        one_error(
            "max_tool_result_chars = inf",
            "librechat.max_tool_result_chars",
            "not a positive number",
        );
        one_error(
            "title_timing = \"later\"",
            "librechat.title_timing",
            "use one of \"immediate\", \"final\"",
        );
        one_error(
            "base_url = \"gateway.example.com\"",
            "librechat.base_url",
            "not an http:// or https:// address",
        );
        one_error(
            "base_url = \"${GATEWAY_URL}\"",
            "librechat.base_url",
            "does not resolve",
        );
        one_error("headers = {}", "librechat.headers", "headers is empty");
        one_error(
            "headers = { \"X Team\" = \"a\" }",
            "librechat.headers.\"X Team\"",
            "not an HTTP header name",
        );
        one_error(
            "headers = { X-A = \"a\", x-a = \"b\" }",
            "librechat.headers.x-a",
            "are one header",
        );
        one_error(
            "headers = { X-A = \"a\\nB: c\" }",
            "librechat.headers.X-A",
            "line break",
        );
        one_error(
            "headers = { Authorization = \"Bearer ${CREDS_KEY}\" }",
            "librechat.headers.Authorization",
            "never resolves",
        );
        one_error(
            "headers = { X-A = \"${lower}\" }",
            "librechat.headers.X-A",
            "does not name an environment variable",
        );
    }

    #[test]
    fn a_misspelt_key_is_unknown_with_the_nearest_suggested() {
        one_error(
            "activity_labels = true",
            "librechat.activity_labels",
            "did you mean `activity_label`?",
        );
        one_error(
            "reasoningLabel = true",
            "librechat.reasoningLabel",
            "did you mean `reasoning_label`?",
        );
        one_error(
            "base_uri = \"https://a.example\"",
            "librechat.base_uri",
            "did you mean `base_url`?",
        );
    }

    #[test]
    fn values_are_kept_by_librechat_s_key() {
        let src = format!(
            "{STACK}[librechat]\ntitle_timing = \"final\"\nactivity_label = false\nreasoning_label_update_interval_ms = 0\nmax_tool_result_chars = 1.5e4\nheaders = {{ X-B = \"2\", X-A = \"Bearer ${{GATEWAY_TOKEN}}\" }}\n"
        );
        let lc = crate::check(&src).spec.expect("valid").librechat;
        assert_eq!(
            lc.settings["titleTiming"],
            EndpointValue::Text("final".into())
        );
        assert_eq!(lc.settings["activityLabel"], EndpointValue::Bool(false));
        assert_eq!(
            lc.settings["reasoningLabelUpdateIntervalMs"],
            EndpointValue::Int(0)
        );
        assert_eq!(
            lc.settings["maxToolResultChars"],
            EndpointValue::Number(15000.0)
        );
        assert_eq!(
            lc.settings["headers"],
            EndpointValue::Map(vec![
                ("X-B".into(), "2".into()),
                ("X-A".into(), "Bearer ${GATEWAY_TOKEN}".into())
            ])
        );
        assert_eq!(lc.settings.len(), 5);
    }

    #[test]
    fn the_guardrail_id_and_version_may_be_read_from_librechat_s_environment() {
        let src = format!(
            "{STACK}[librechat]\nguardrail = {{ identifier = \"${{BEDROCK_GUARDRAIL_ID}}\", version = \"${{BEDROCK_GUARDRAIL_VERSION}}\" }}\n"
        );
        let g = crate::check(&src)
            .spec
            .expect("valid")
            .librechat
            .guardrail
            .unwrap();
        assert_eq!(
            g.target,
            GuardrailTarget::External {
                identifier: "${BEDROCK_GUARDRAIL_ID}".into(),
                version: "${BEDROCK_GUARDRAIL_VERSION}".into()
            }
        );
        one_error(
            "guardrail = { identifier = \"${MONGO_URI}\", version = \"1\" }",
            "librechat.guardrail.identifier",
            "never resolves",
        );
        one_error(
            "guardrail = { identifier = \"abc\", version = \"${AWS_REGION}\" }",
            "librechat.guardrail.version",
            "shells, Node.js or the AWS SDKs",
        );
        one_error(
            "guardrail = { identifier = \"${BEDROCK_P}\", version = \"1\" }",
            "librechat.guardrail.identifier",
            "the env of the profile \"P\"",
        );
        one_error(
            "runtime_role = \"LibreChatRole\"\nguardrail = { identifier = \"${BEDROCK_GUARDRAIL_ID}\", version = \"1\" }",
            "librechat.guardrail.identifier",
            "invoke policy (on its role or API key user) must name the guardrail",
        );
        // Only as a whole value: anything else is still an id or version as AWS spells it.
        one_error(
            "guardrail = { identifier = \"id-${X}\", version = \"1\" }",
            "librechat.guardrail.identifier",
            "is not a guardrail identifier",
        );
    }
}

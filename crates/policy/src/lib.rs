//! The policies this stack needs, rendered from JSON templates that users may edit.
//!
//! Templates live in `policies/` beside the spec; a template missing there falls back to the
//! built-in copy (the same files, compiled in). Placeholders are written `{{name}}`, a
//! syntax that cannot collide with IAM's own policy variables (`${aws:username}`). They are
//! substituted inside JSON strings only, after parsing, so a value can never change the
//! document's structure. An unknown or unfilled placeholder is an error, never an empty string.

mod canonical;
mod lint;
mod placeholders;

pub use canonical::canonical_json;
pub use lint::lint;
pub use placeholders::{Fill, Placeholders};

use bedrock_spec::Spec;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// The policies of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyKind {
    /// Who may assume the logging role: Bedrock, for this account and region only.
    LoggingTrust,
    /// The logging role's inline policy for CloudWatch Logs.
    LoggingCloudWatch,
    /// The logging role's inline policy for the large-payload bucket.
    LoggingS3,
    /// The large-payload bucket's own policy.
    LogsBucket,
    /// LibreChat's own identity: invoke exactly what LibreChat calls (the stack's profiles,
    /// the system-defined profiles and foundation models it calls by id), foundation models
    /// behind a profile only through it. Rendered from live ARNs only.
    LibreChatInvoke,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 4] = [
        PolicyKind::LoggingTrust,
        PolicyKind::LoggingCloudWatch,
        PolicyKind::LoggingS3,
        PolicyKind::LogsBucket,
    ];

    /// The policies that need live ARNs: never rendered offline.
    pub const LIVE: [PolicyKind; 1] = [PolicyKind::LibreChatInvoke];

    /// The template's file stem in `policies/`.
    pub fn stem(self) -> &'static str {
        match self {
            PolicyKind::LoggingTrust => "bedrock-logging-trust",
            PolicyKind::LoggingCloudWatch => "bedrock-logging-cloudwatch",
            PolicyKind::LoggingS3 => "bedrock-logging-s3",
            PolicyKind::LogsBucket => "bedrock-logs-bucket",
            PolicyKind::LibreChatInvoke => "librechat-invoke",
        }
    }

    pub fn template_file(self) -> String {
        format!("{}.json", self.stem())
    }

    pub fn rendered_file(self) -> String {
        format!("{}.rendered.json", self.stem())
    }

    /// The IAM inline policy name, for the role's put-role policies (the guide's names).
    pub fn inline_policy_name(self) -> Option<&'static str> {
        match self {
            PolicyKind::LoggingCloudWatch => Some("BedrockLoggingPolicy"),
            PolicyKind::LoggingS3 => Some("BedrockS3Policy"),
            PolicyKind::LibreChatInvoke => Some("LibreChatBedrockInvoke"),
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::LoggingTrust => "trust policy of the logging role",
            PolicyKind::LoggingCloudWatch => "logging role's CloudWatch Logs policy",
            PolicyKind::LoggingS3 => "logging role's S3 policy",
            PolicyKind::LogsBucket => "bucket policy of the log bucket",
            PolicyKind::LibreChatInvoke => "LibreChat's least-privilege Bedrock policy",
        }
    }

    fn built_in(self) -> &'static str {
        match self {
            PolicyKind::LoggingTrust => {
                include_str!("../../../policies/bedrock-logging-trust.json")
            }
            PolicyKind::LoggingCloudWatch => {
                include_str!("../../../policies/bedrock-logging-cloudwatch.json")
            }
            PolicyKind::LoggingS3 => include_str!("../../../policies/bedrock-logging-s3.json"),
            PolicyKind::LogsBucket => include_str!("../../../policies/bedrock-logs-bucket.json"),
            PolicyKind::LibreChatInvoke => include_str!("../../../policies/librechat-invoke.json"),
        }
    }
}

/// Where a template came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    BuiltIn(PolicyKind),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::BuiltIn(k) => write!(f, "built-in policies/{}", k.template_file()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub kind: PolicyKind,
    pub origin: Origin,
    pub text: String,
}

/// A template that could not be read or rendered: which file, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub origin: String,
    pub line: Option<usize>,
    pub message: String,
    pub help: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.origin, self.message)?,
            None => write!(f, "{}: {}", self.origin, self.message)?,
        }
        write!(f, "\n  help: {}", self.help)
    }
}

impl std::error::Error for PolicyError {}

/// Load every offline template: `dir/<stem>.json` where it exists, the built-in copy otherwise.
pub fn load_templates(dir: &Path) -> Result<Vec<Template>, PolicyError> {
    PolicyKind::ALL
        .iter()
        .map(|&kind| load_template(dir, kind))
        .collect()
}

/// Load one template: `dir/<stem>.json` where it exists, the built-in copy otherwise.
pub fn load_template(dir: &Path, kind: PolicyKind) -> Result<Template, PolicyError> {
    [kind]
        .iter()
        .map(|&kind| {
            let path = dir.join(kind.template_file());
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Template {
                    kind,
                    origin: Origin::File(path),
                    text,
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Template {
                    kind,
                    origin: Origin::BuiltIn(kind),
                    text: kind.built_in().to_string(),
                }),
                Err(e) => Err(PolicyError {
                    origin: path.display().to_string(),
                    line: None,
                    message: format!("cannot read the template: {e}"),
                    help: "check the file's permissions, or delete it to use the built-in template"
                        .into(),
                }),
            }
        })
        .next()
        .expect("one kind gives one template")
}

/// The built-in templates, as shipped in `policies/`.
pub fn built_in_templates() -> Vec<Template> {
    PolicyKind::ALL
        .iter()
        .map(|&kind| Template {
            kind,
            origin: Origin::BuiltIn(kind),
            text: kind.built_in().to_string(),
        })
        .collect()
}

/// A rendered policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub kind: PolicyKind,
    pub origin: Origin,
    pub document: Value,
}

impl Rendered {
    /// Canonical JSON: keys sorted, two-space indentation, a final newline. Stable across runs
    /// and platforms, so a rendered file only changes when its meaning does.
    pub fn to_canonical_json(&self) -> String {
        canonical_json(&self.document)
    }
}

/// Render one template.
pub fn render(template: &Template, values: &Placeholders) -> Result<Rendered, PolicyError> {
    let origin = template.origin.to_string();
    let mut document: Value = serde_json::from_str(&template.text).map_err(|e| PolicyError {
        origin: origin.clone(),
        line: Some(e.line()),
        message: format!("not valid JSON: {e}"),
        help: "fix the JSON (a policy document is one JSON object), or delete the file to use the built-in template".into(),
    })?;
    let Some(object) = document.as_object() else {
        return Err(PolicyError {
            origin,
            line: Some(1),
            message: "a policy document must be a JSON object".into(),
            help: "write { \"Version\": \"2012-10-17\", \"Statement\": [ ... ] }".into(),
        });
    };
    for key in ["Version", "Statement"] {
        if !object.contains_key(key) {
            return Err(PolicyError {
                origin,
                line: Some(1),
                message: format!("the policy document has no \"{key}\""),
                help: "write { \"Version\": \"2012-10-17\", \"Statement\": [ ... ] }".into(),
            });
        }
    }
    let fail = |message: String, help: String, needle: &str| PolicyError {
        origin: origin.clone(),
        line: template
            .text
            .find(needle)
            .map(|at| template.text[..at].matches('\n').count() + 1),
        message,
        help,
    };
    substitute_value(&mut document, values, &fail)?;
    // A statement whose resources a list placeholder left empty grants nothing, and IAM
    // refuses an empty Resource: it goes.
    if let Some(Value::Array(statements)) = document.get_mut("Statement") {
        statements
            .retain(|st| !matches!(st.get("Resource"), Some(Value::Array(r)) if r.is_empty()));
    }
    if let Some((statement, message)) = lint(template.kind, &document) {
        return Err(PolicyError {
            origin: origin.clone(),
            line: None,
            message: format!("{statement} {message}: wider than this tool grants"),
            help: format!(
                "narrow it again (the built-in policies/{} shows the least privilege), or delete the file to use the built-in template",
                template.kind.template_file()
            ),
        });
    }
    Ok(Rendered {
        kind: template.kind,
        origin: template.origin.clone(),
        document,
    })
}

/// LibreChat's least-privilege policy for the live profile ARNs and the models they route to.
pub fn render_invoke(
    dir: &Path,
    spec: &Spec,
    account_id: &str,
    profile_arns: &[String],
    routed_model_arns: &[String],
    direct_model_arns: &[String],
) -> Result<Rendered, PolicyError> {
    let values = Placeholders::for_spec(spec, account_id).with_profiles(
        profile_arns,
        routed_model_arns,
        direct_model_arns,
    );
    render(&load_template(dir, PolicyKind::LibreChatInvoke)?, &values)
}

/// Render every template of `dir` (with built-in fallbacks) for a spec and account.
pub fn render_all(dir: &Path, spec: &Spec, account_id: &str) -> Result<Vec<Rendered>, PolicyError> {
    let values = Placeholders::for_spec(spec, account_id);
    load_templates(dir)?
        .iter()
        .map(|t| render(t, &values))
        .collect()
}

type Fail<'a> = dyn Fn(String, String, &str) -> PolicyError + 'a;

fn substitute_value(
    v: &mut Value,
    values: &Placeholders,
    fail: &Fail<'_>,
) -> Result<(), PolicyError> {
    match v {
        Value::String(s) => *s = substitute(s, values, fail)?,
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for mut item in std::mem::take(items) {
                // A list placeholder as a whole element expands into its values.
                let whole = item
                    .as_str()
                    .and_then(|s| s.trim().strip_prefix("{{")?.strip_suffix("}}"))
                    .and_then(|name| values.0.get(name.trim()).cloned().flatten());
                if let Some(Fill::List(list)) = whole {
                    out.extend(list.into_iter().map(Value::String));
                    continue;
                }
                substitute_value(&mut item, values, fail)?;
                out.push(item);
            }
            *items = out;
        }
        Value::Object(map) => {
            let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            for (k, mut item) in entries {
                let key = substitute(&k, values, fail)?;
                substitute_value(&mut item, values, fail)?;
                if map.insert(key.clone(), item).is_some() {
                    return Err(fail(
                        format!("two keys become {key:?} once placeholders are filled"),
                        "give every key of an object a distinct name".into(),
                        &k,
                    ));
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    Ok(())
}

fn substitute(s: &str, values: &Placeholders, fail: &Fail<'_>) -> Result<String, PolicyError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(fail(
                format!("{s:?} has a `{{{{` that is never closed"),
                "write placeholders as {{name}}".into(),
                s,
            ));
        };
        let name = after[..close].trim();
        match values.0.get(name) {
            Some(Some(Fill::Text(value))) => out.push_str(value),
            Some(Some(Fill::List(_))) => {
                return Err(fail(
                    format!("{{{{{name}}}}} is a list of values and stands inside a string"),
                    format!("use it as a whole element of an array: [\"{{{{{name}}}}}\"]"),
                    &format!("{{{{{}}}}}", &after[..close]),
                ))
            }
            Some(None) => {
                return Err(fail(
                    format!("the placeholder {{{{{name}}}}} has no value for this stack"),
                    format!("remove it from the template, or set what it stands for in the spec; filled placeholders: {}", values.names()),
                    &format!("{{{{{}}}}}", &after[..close]),
                ))
            }
            None => {
                return Err(fail(
                    format!("unknown placeholder {{{{{name}}}}}"),
                    format!("use one of {}", values.names()),
                    &format!("{{{{{}}}}}", &after[..close]),
                ))
            }
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(src: &str) -> Spec {
        let checked = bedrock_spec::check(src);
        checked
            .spec
            .unwrap_or_else(|| panic!("{:?}", checked.diagnostics))
    }

    const MINIMAL: &str = "[stack]\nname = \"s\"\nregion = \"eu-west-1\"\n";

    fn template(text: &str) -> Template {
        Template {
            kind: PolicyKind::LoggingTrust,
            origin: Origin::File("policies/t.json".into()),
            text: text.into(),
        }
    }

    #[test]
    fn unknown_placeholder_fails_with_line_and_the_known_names() {
        let values = Placeholders::for_spec(&spec(MINIMAL), "123456789012");
        let err = render(
            &template("{\"Version\": \"2012-10-17\",\n\"Statement\": [{\"Resource\": \"{{acount_id}}\"}]}"),
            &values,
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.message.contains("unknown placeholder {{acount_id}}"),
            "{err}"
        );
        assert!(err.help.contains("{{account_id}}"), "{err}");
    }

    #[test]
    fn unfilled_placeholder_fails() {
        let values =
            Placeholders::for_spec(&spec(MINIMAL), "123456789012").unfilled("runtime_role");
        let err = render(
            &template("{\"Version\": \"2012-10-17\", \"Statement\": [{\"Resource\": \"{{runtime_role}}\"}]}"),
            &values,
        )
        .unwrap_err();
        assert!(err.message.contains("has no value"), "{err}");
    }

    #[test]
    fn unterminated_placeholder_and_bad_json_fail() {
        let values = Placeholders::for_spec(&spec(MINIMAL), "123456789012");
        let err = render(
            &template("{\"Version\": \"1\", \"Statement\": \"{{region\"}"),
            &values,
        )
        .unwrap_err();
        assert!(err.message.contains("never closed"), "{err}");
        let err = render(
            &template("{\"Version\": \"1\",\n \"Statement\": [,]}"),
            &values,
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2));
        let err = render(&template("{\"Statement\": []}"), &values).unwrap_err();
        assert!(err.message.contains("\"Version\""), "{err}");
    }

    #[test]
    fn values_cannot_break_out_of_strings() {
        // A key prefix with a quote stays inside its JSON string.
        let mut s = spec(MINIMAL);
        s.logging.key_prefix = "a\"b".into();
        let values = Placeholders::for_spec(&s, "123456789012");
        let r = render(
            &template("{\"Version\": \"2012-10-17\", \"Statement\": [{\"Resource\": \"{{object_prefix}}*\"}]}"),
            &values,
        )
        .unwrap();
        assert_eq!(r.document["Statement"][0]["Resource"], "a\"b/*");
    }

    #[test]
    fn canonical_json_sorts_keys_and_ends_with_newline() {
        let v: Value =
            serde_json::from_str("{\"b\": 1, \"a\": {\"d\": [2, 1], \"c\": 0}}").unwrap();
        assert_eq!(
            canonical_json(&v),
            "{\n  \"a\": {\n    \"c\": 0,\n    \"d\": [\n      2,\n      1\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn templates_in_the_directory_override_the_built_in_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bedrock-logging-s3.json"),
            "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Sid\": \"Mine\"}]}",
        )
        .unwrap();
        let rendered = render_all(dir.path(), &spec(MINIMAL), "123456789012").unwrap();
        let s3 = rendered
            .iter()
            .find(|r| r.kind == PolicyKind::LoggingS3)
            .unwrap();
        assert_eq!(s3.document["Statement"][0]["Sid"], "Mine");
        assert!(matches!(s3.origin, Origin::File(_)));
        let trust = rendered
            .iter()
            .find(|r| r.kind == PolicyKind::LoggingTrust)
            .unwrap();
        assert_eq!(trust.origin, Origin::BuiltIn(PolicyKind::LoggingTrust));
    }
}

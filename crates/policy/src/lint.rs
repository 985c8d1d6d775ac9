//! A rendered policy checked against widening: users may edit the templates, and an edit that
//! grants more than this tool would is refused before any AWS call.

use crate::PolicyKind;
use serde_json::Value;

/// The first way a rendered document grants more than the built-in one would: an `Allow`
/// with `Action` or `Resource` `*`, with `NotAction`/`NotResource`; a trust that lets in
/// anyone but Bedrock, or Bedrock without the account and source conditions; a bucket policy
/// open to any principal. `(statement, what)`.
pub fn lint(kind: PolicyKind, document: &Value) -> Option<(String, String)> {
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    for (i, st) in statements.iter().enumerate() {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let name = match st.get("Sid").and_then(Value::as_str) {
            Some(sid) => format!("statement {} ({sid})", i + 1),
            None => format!("statement {}", i + 1),
        };
        if list(st.get("Action"))
            .iter()
            .any(|a| a == "*" || a.ends_with(":*"))
        {
            return Some((name, "allows every action (`*`)".into()));
        }
        if kind != PolicyKind::LoggingTrust && list(st.get("Resource")).iter().any(|r| r == "*") {
            return Some((name, "allows every resource (`Resource: \"*\"`)".into()));
        }
        for key in ["NotAction", "NotResource", "NotPrincipal"] {
            if st.get(key).is_some() {
                return Some((name, format!("allows with `{key}` (everything but a list)")));
            }
        }
        let principal = st.get("Principal");
        let anyone = match principal {
            Some(Value::String(s)) => s == "*",
            Some(Value::Object(p)) => p.values().any(|v| list(Some(v)).iter().any(|x| x == "*")),
            _ => false,
        };
        if anyone {
            return Some((name, "lets any principal in (`*`)".into()));
        }
        if kind == PolicyKind::LoggingTrust {
            let only_bedrock = matches!(principal, Some(Value::Object(p))
                if p.len() == 1 && list(p.get("Service")) == ["bedrock.amazonaws.com"]);
            if !only_bedrock {
                return Some((
                    name,
                    "trusts another principal than the service bedrock.amazonaws.com".into(),
                ));
            }
            let condition_keys: Vec<String> = match st.get("Condition") {
                Some(Value::Object(ops)) => ops
                    .values()
                    .filter_map(Value::as_object)
                    .flat_map(|keys| keys.keys().map(|k| k.to_ascii_lowercase()))
                    .collect(),
                _ => Vec::new(),
            };
            for (needed, shown) in [
                ("aws:sourceaccount", "aws:SourceAccount"),
                ("aws:sourcearn", "aws:SourceArn"),
            ] {
                if !condition_keys.iter().any(|k| k == needed) {
                    return Some((
                        name,
                        format!("trusts Bedrock without a condition on {shown} (any account's Bedrock could use the role)"),
                    ));
                }
            }
        }
    }
    None
}

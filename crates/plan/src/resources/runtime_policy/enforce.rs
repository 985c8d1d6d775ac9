//! `[librechat] guardrail = { ..., enforce = true }`: LibreChat's invoke policy in the form
//! AWS documents for requiring a guardrail (Bedrock user guide, "Enforce the use of specific
//! guardrails in model inference requests"): each statement that allows only inference gets
//! the condition `StringEquals bedrock:GuardrailIdentifier`, and a Deny statement refuses
//! inference with any other guardrail, or none, whatever else the role's policies allow.

use serde_json::{json, Map, Value};

/// The actions the condition key applies to (Converse and ConverseStream are authorized as
/// these two).
pub const INVOKE_ACTIONS: [&str; 2] = [
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
];

/// The Deny statement's Sid.
pub const DENY_SID: &str = "DenyInferenceWithoutTheGuardrail";

const KEY: &str = "bedrock:GuardrailIdentifier";

/// The condition's value for a guardrail ARN and version, as AWS's examples write it: the
/// ARN and `:VERSION` for a numeric version, the ARN alone for DRAFT.
pub fn condition_value(arn: &str, version: &str) -> String {
    if version.is_empty() || version == "DRAFT" {
        arn.to_string()
    } else {
        format!("{arn}:{version}")
    }
}

fn actions(statement: &Map<String, Value>) -> Vec<&str> {
    match statement.get("Action") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_invoke(action: &str) -> bool {
    INVOKE_ACTIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action))
}

/// The document with the guardrail required: `value` is [`condition_value`]'s.
pub fn require(document: &mut Value, value: &str) {
    let Some(statements) = document.get_mut("Statement") else {
        return;
    };
    if let Value::Object(one) = statements {
        *statements = Value::Array(vec![Value::Object(std::mem::take(one))]);
    }
    let Some(list) = statements.as_array_mut() else {
        return;
    };
    for statement in list.iter_mut().filter_map(Value::as_object_mut) {
        let allows_only_inference = statement.get("Effect").and_then(Value::as_str)
            == Some("Allow")
            && !actions(statement).is_empty()
            && actions(statement).into_iter().all(is_invoke);
        if !allows_only_inference {
            continue;
        }
        let condition = statement
            .entry("Condition")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(condition) = condition.as_object_mut() {
            let equals = condition
                .entry("StringEquals")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(equals) = equals.as_object_mut() {
                equals.insert(KEY.to_string(), Value::String(value.to_string()));
            }
        }
    }
    list.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(DENY_SID));
    list.push(json!({
        "Sid": DENY_SID,
        "Effect": "Deny",
        "Action": INVOKE_ACTIONS,
        "Resource": "*",
        "Condition": { "StringNotEquals": { KEY: value } }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Profiles",
                    "Effect": "Allow",
                    "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                    "Resource": ["arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p"]
                },
                {
                    "Sid": "Routed",
                    "Effect": "Allow",
                    "Action": ["bedrock:InvokeModel"],
                    "Resource": ["arn:aws:bedrock:us-east-1::foundation-model/m"],
                    "Condition": { "StringEquals": { "bedrock:InferenceProfileArn": ["p"] } }
                },
                {
                    "Sid": "Apply",
                    "Effect": "Allow",
                    "Action": ["bedrock:ApplyGuardrail"],
                    "Resource": ["arn:aws:bedrock:us-east-1:111122223333:guardrail/g"]
                }
            ]
        })
    }

    #[test]
    fn the_value_names_a_numeric_version_and_not_draft() {
        let arn = "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc";
        assert_eq!(condition_value(arn, "3"), format!("{arn}:3"));
        assert_eq!(condition_value(arn, "DRAFT"), arn);
    }

    #[test]
    fn inference_statements_get_the_condition_and_a_deny_is_added() {
        let mut doc = template();
        require(&mut doc, "G:1");
        let s = doc["Statement"].as_array().unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(
            s[0]["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"],
            "G:1"
        );
        // An existing condition keeps its keys: both must hold.
        assert_eq!(
            s[1]["Condition"]["StringEquals"],
            json!({"bedrock:InferenceProfileArn": ["p"], "bedrock:GuardrailIdentifier": "G:1"})
        );
        // ApplyGuardrail is not an inference call: its request has no such key.
        assert!(s[2].get("Condition").is_none());
        assert_eq!(s[3]["Effect"], "Deny");
        assert_eq!(s[3]["Resource"], "*");
        assert_eq!(
            s[3]["Condition"]["StringNotEquals"]["bedrock:GuardrailIdentifier"],
            "G:1"
        );
    }

    #[test]
    fn a_statement_mixing_other_actions_is_left_to_the_deny() {
        let mut doc = json!({"Statement": {
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:ApplyGuardrail"],
            "Resource": "*"
        }});
        require(&mut doc, "G");
        let s = doc["Statement"].as_array().unwrap();
        assert!(s[0].get("Condition").is_none());
        assert_eq!(s[1]["Sid"], DENY_SID);
    }

    #[test]
    fn requiring_twice_adds_one_deny() {
        let mut doc = template();
        require(&mut doc, "G:1");
        require(&mut doc, "G:2");
        let s = doc["Statement"].as_array().unwrap();
        assert_eq!(s.iter().filter(|s| s["Sid"] == DENY_SID).count(), 1);
        assert_eq!(s[3]["Condition"]["StringNotEquals"][KEY], "G:2");
    }
}

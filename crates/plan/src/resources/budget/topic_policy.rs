//! A topic's policy and AWS Budgets: Budgets sends a budget's alerts to an SNS topic only
//! when the topic's policy lets the service principal `budgets.amazonaws.com` call
//! `SNS:Publish` on it (AWS Cost Management user guide, "Creating an Amazon SNS topic for
//! budget notifications"). The stack's topic gets the statement below when the budget's
//! alerts go to it; a topic of the user's is only read.

use serde_json::{json, Value};

/// The statement's `Sid` on the stack's topic: the one statement of its policy the stack
/// writes and takes off.
pub const BUDGETS_SID: &str = "LibreChatBedrockBudgets";

/// The service principal of AWS Budgets.
const PRINCIPAL: &str = "budgets.amazonaws.com";

/// The statement that lets AWS Budgets publish to `topic` for budgets of `account` (the user
/// guide's, with the confused-deputy conditions it recommends).
pub fn budgets_statement(topic: &str, account: &str) -> Value {
    let partition = topic.split(':').nth(1).unwrap_or("aws");
    json!({
        "Sid": BUDGETS_SID,
        "Effect": "Allow",
        "Principal": { "Service": PRINCIPAL },
        "Action": "SNS:Publish",
        "Resource": topic,
        "Condition": {
            "StringEquals": { "aws:SourceAccount": account },
            "ArnLike": { "aws:SourceArn": format!("arn:{partition}:budgets::{account}:*") }
        }
    })
}

fn listed(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a statement names AWS Budgets (or everyone, `"*"`) and `SNS:Publish` (or a
/// wildcard that covers it). Conditions are taken to hold: the statement the guide gives
/// has some.
fn covers(st: &Value) -> bool {
    let principal = match st.get("Principal") {
        Some(Value::String(s)) => s == "*",
        // `{"AWS": "*"}` (a new topic's default policy has it, with the owner's condition)
        // names accounts' principals, not a service's: AWS's guide has Budgets' statement
        // added to such a policy.
        Some(p) => listed(p.get("Service")).contains(&PRINCIPAL),
        None => false,
    };
    let action = listed(st.get("Action")).iter().any(|a| {
        let a = a.to_ascii_lowercase();
        a == "*" || a == "sns:*" || a == "sns:publish"
    });
    principal && action
}

/// Whether a topic's policy document lets AWS Budgets publish: a statement that allows it,
/// and none that denies it.
pub fn allows_budgets(policy: &Value) -> bool {
    let statements = match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let effect = |st: &Value, e: &str| st.get("Effect").and_then(Value::as_str) == Some(e);
    let covered: Vec<&Value> = statements.into_iter().filter(|st| covers(st)).collect();
    covered.iter().any(|st| effect(st, "Allow")) && !covered.iter().any(|st| effect(st, "Deny"))
}

/// The policy with the stack's statement for Budgets (`allow`) or without it.
pub fn with_budgets(policy: &Value, topic: &str, account: &str, allow: bool) -> Value {
    let mut policy = if policy.is_object() {
        policy.clone()
    } else {
        json!({ "Version": "2008-10-17", "Statement": [] })
    };
    let mut statements: Vec<Value> = match policy.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    statements.retain(|st| st.get("Sid").and_then(Value::as_str) != Some(BUDGETS_SID));
    if allow {
        statements.push(budgets_statement(topic, account));
    }
    policy["Statement"] = Value::Array(statements);
    policy
}

/// Whether the policy holds the stack's statement, as it should be.
pub fn has_statement(policy: &Value, topic: &str, account: &str) -> bool {
    let want = budgets_statement(topic, account);
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.contains(&want),
        Some(one) => *one == want,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alarms";

    #[test]
    fn the_statement_added_is_read_as_allowing_and_taken_off_again() {
        let default = json!({"Version": "2008-10-17", "Statement": [{"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["SNS:GetTopicAttributes"], "Resource": TOPIC}]});
        assert!(!allows_budgets(&default));
        let with = with_budgets(&default, TOPIC, "123456789012", true);
        assert!(allows_budgets(&with));
        assert!(has_statement(&with, TOPIC, "123456789012"));
        assert_eq!(with["Statement"].as_array().map(Vec::len), Some(2));
        let again = with_budgets(&with, TOPIC, "123456789012", true);
        assert_eq!(again, with, "adding twice adds once");
        let without = with_budgets(&with, TOPIC, "123456789012", false);
        assert_eq!(without, default);
    }

    #[test]
    fn a_deny_or_another_principal_does_not_allow() {
        let allow = budgets_statement(TOPIC, "123456789012");
        let mut deny = allow.clone();
        deny["Effect"] = json!("Deny");
        deny["Sid"] = json!("no");
        assert!(!allows_budgets(
            &json!({"Statement": [allow.clone(), deny]})
        ));
        let mut other = allow;
        other["Principal"] = json!({"Service": "cloudwatch.amazonaws.com"});
        assert!(!allows_budgets(&json!({"Statement": [other]})));
        let star = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sns:*"}});
        assert!(allows_budgets(&star));
    }
}

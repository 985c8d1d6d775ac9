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

/// `*` and `?` as IAM's `Like` operators read them.
fn like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < v.len() {
        if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// Whether a statement's conditions hold for AWS Budgets publishing: the keys of `context`
/// (lower-case) are evaluated with the String, Arn and Bool operators (their `Not` and
/// `IfExists` forms); another key or operator is taken to hold, as the emulator takes it.
fn conditions_hold(condition: Option<&Value>, context: &[(&str, &str)]) -> bool {
    let Some(Value::Object(operators)) = condition else {
        return true;
    };
    for (operator, pairs) in operators {
        let Value::Object(pairs) = pairs else {
            continue;
        };
        let base = operator.strip_suffix("IfExists").unwrap_or(operator);
        let negated = base.contains("Not");
        let test: fn(&str, &str) -> bool = match base.replacen("Not", "", 1).as_str() {
            "StringEquals" | "ArnEquals" => |p, v| p == v,
            "StringEqualsIgnoreCase" | "Bool" => |p, v| p.eq_ignore_ascii_case(v),
            "StringLike" | "ArnLike" => like,
            _ => continue,
        };
        for (key, patterns) in pairs {
            let lower = key.to_ascii_lowercase();
            let Some((_, value)) = context.iter().find(|(k, _)| *k == lower) else {
                continue;
            };
            let patterns: Vec<String> = match patterns {
                Value::Array(items) => items.iter().map(shown).collect(),
                one => vec![shown(one)],
            };
            if patterns.iter().any(|p| test(p, value)) == negated {
                return false;
            }
        }
    }
    true
}

/// A condition's value as text (`true` and `"true"` alike).
fn shown(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// Whether a statement names AWS Budgets (or everyone, `"*"`) and `SNS:Publish` (or a
/// wildcard that covers it).
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

/// Whether a topic's policy document lets AWS Budgets publish for a budget of `account`
/// (`budget`: its ARN), over TLS: a statement that allows it, and none that denies it, their
/// conditions on those keys evaluated.
pub fn allows_budgets(policy: &Value, account: &str, budget: &str) -> bool {
    let context = [
        ("aws:sourceaccount", account),
        ("aws:sourcearn", budget),
        ("aws:securetransport", "true"),
    ];
    let statements = match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let effect = |st: &Value, e: &str| st.get("Effect").and_then(Value::as_str) == Some(e);
    let covered: Vec<&Value> = statements
        .into_iter()
        .filter(|st| covers(st) && conditions_hold(st.get("Condition"), &context))
        .collect();
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
    const ACCOUNT: &str = "123456789012";
    const BUDGET: &str = "arn:aws:budgets::123456789012:budget/b";

    fn allows(statements: Value) -> bool {
        allows_budgets(&json!({ "Statement": statements }), ACCOUNT, BUDGET)
    }

    #[test]
    fn the_statement_added_is_read_as_allowing_and_taken_off_again() {
        let default = json!({"Version": "2008-10-17", "Statement": [{"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["SNS:GetTopicAttributes"], "Resource": TOPIC}]});
        assert!(!allows_budgets(&default, ACCOUNT, BUDGET));
        let with = with_budgets(&default, TOPIC, ACCOUNT, true);
        assert!(allows_budgets(&with, ACCOUNT, BUDGET));
        assert!(has_statement(&with, TOPIC, ACCOUNT));
        assert_eq!(with["Statement"].as_array().map(Vec::len), Some(2));
        let again = with_budgets(&with, TOPIC, ACCOUNT, true);
        assert_eq!(again, with, "adding twice adds once");
        let without = with_budgets(&with, TOPIC, ACCOUNT, false);
        assert_eq!(without, default);
    }

    #[test]
    fn a_deny_another_principal_or_another_account_does_not_allow() {
        let allow = budgets_statement(TOPIC, ACCOUNT);
        assert!(allows(json!([allow.clone()])));
        let mut deny = allow.clone();
        deny["Effect"] = json!("Deny");
        deny["Sid"] = json!("no");
        assert!(!allows(json!([allow.clone(), deny])));
        let mut other = allow.clone();
        other["Principal"] = json!({"Service": "cloudwatch.amazonaws.com"});
        assert!(!allows(json!([other])));
        assert!(allows(
            json!({"Effect": "Allow", "Principal": "*", "Action": "sns:*"})
        ));
        let mut elsewhere = allow.clone();
        elsewhere["Condition"] = json!({"StringEquals": {"aws:SourceAccount": "999999999999"}});
        assert!(!allows(json!([elsewhere])));
        // A deny of what is not sent over TLS does not deny Budgets, which publishes over it.
        let tls = json!({"Effect": "Deny", "Principal": "*", "Action": "SNS:Publish", "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
        assert!(allows(json!([allow, tls])));
        assert!(like("arn:aws:budgets::1:*", "arn:aws:budgets::1:budget/x"));
        assert!(!like("arn:aws:budgets::1:*", "arn:aws:budgets::2:budget/x"));
    }
}

//! Policy documents compared by meaning, not by bytes: AWS returns them reformatted, and a
//! one-element list means its string. Statement order, action order and resource order do
//! not matter; action names are case-insensitive.

use serde_json::{Map, Value};

/// Whether two policy documents grant the same.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

/// A canonical form: every list-or-string field as a sorted list, statements sorted.
pub fn normalize(doc: &Value) -> Value {
    let Value::Object(map) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        if k == "Statement" {
            let statements = match v {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let mut normalized: Vec<Value> = statements.iter().map(statement).collect();
            normalized.sort_by_key(|s| s.to_string());
            normalized.dedup();
            out.insert(k.clone(), Value::Array(normalized));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

fn string_set(v: &Value, lowercase: bool) -> Value {
    let mut items: Vec<String> = match v {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => vec![scalar(other)],
    };
    if lowercase {
        items = items.into_iter().map(|s| s.to_ascii_lowercase()).collect();
    }
    items.sort();
    items.dedup();
    Value::Array(items.into_iter().map(Value::String).collect())
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn statement(st: &Value) -> Value {
    let Value::Object(map) = st else {
        return st.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        let normalized = match k.as_str() {
            "Action" | "NotAction" => string_set(v, true),
            "Resource" | "NotResource" => string_set(v, false),
            "Principal" | "NotPrincipal" => match v {
                Value::Object(p) => Value::Object(
                    p.iter()
                        .map(|(pk, pv)| (pk.clone(), string_set(pv, false)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "Condition" => match v {
                Value::Object(ops) => Value::Object(
                    ops.iter()
                        .map(|(op, keys)| {
                            let keys = match keys {
                                Value::Object(kv) => Value::Object(
                                    kv.iter()
                                        .map(|(ck, cv)| {
                                            (ck.to_ascii_lowercase(), string_set(cv, false))
                                        })
                                        .collect(),
                                ),
                                other => other.clone(),
                            };
                            (op.clone(), keys)
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => v.clone(),
        };
        out.insert(k.clone(), normalized);
    }
    Value::Object(out)
}

/// A readable line diff of two documents (canonical JSON), for the plan.
pub fn diff_lines(before: &Value, after: &Value) -> Vec<String> {
    let a = bedrock_policy::canonical_json(before);
    let b = bedrock_policy::canonical_json(after);
    let diff = similar::TextDiff::from_lines(&a, &b);
    let mut out = Vec::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => continue,
        };
        out.push(format!("{sign} {}", change.value().trim_end()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_element_lists_order_and_case_do_not_matter() {
        let a = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": ["arn:x"]},
            {"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
             "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}
        ]});
        let b = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["bedrock.amazonaws.com"]}, "Action": ["STS:AssumeRole"],
             "Condition": {"StringEquals": {"aws:sourceaccount": ["1"]}}},
            {"Effect": "Allow", "Action": ["logs:createlogstream", "logs:PutLogEvents"], "Resource": "arn:x"}
        ]});
        assert!(equivalent(&a, &b));
        let statement_object = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:y"}});
        let statement_list = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:y"]}]});
        assert!(equivalent(&statement_object, &statement_list));
    }

    #[test]
    fn resources_principals_and_conditions_do_matter() {
        let base = json!({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/p/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}]});
        for changed in [
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}]}),
            json!({"Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/p/*", "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/p/*", "Condition": {"StringEquals": {"aws:SourceAccount": "2"}}}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::B/p/*", "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}]}),
        ] {
            assert!(!equivalent(&base, &changed), "{changed}");
        }
    }
}

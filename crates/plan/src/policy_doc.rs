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

/// One document that grants what each of `docs` grants, and nothing one of them alone would
/// not: their statements, where two differ only in their `Resource` or in the values of one
/// positive condition key, joined into one statement that lists both (a list there means
/// "any of"). The `Version` and any other top-level field are the first document's; a
/// statement that cannot be joined keeps its own, with its `Sid` made unique.
pub fn union(docs: &[Value]) -> Value {
    let Some(first) = docs.first() else {
        return Value::Null;
    };
    let mut merged: Vec<Value> = Vec::new();
    for doc in docs {
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.clone(),
            Some(other) => vec![other.clone()],
            None => Vec::new(),
        };
        for st in statements {
            absorb(&mut merged, st);
        }
    }
    let mut out = first.clone();
    if let Value::Object(map) = &mut out {
        map.insert("Statement".into(), Value::Array(merged));
    }
    out
}

fn absorb(merged: &mut Vec<Value>, st: Value) {
    let normalized = statement(&st);
    for existing in merged.iter_mut() {
        if statement(existing) == normalized {
            return;
        }
        if let Some(joined) = join(existing, &st) {
            *existing = joined;
            return;
        }
    }
    let mut st = st;
    let sid_of = |v: &Value| v.get("Sid").and_then(Value::as_str).map(str::to_string);
    if let Some(sid) = sid_of(&st) {
        let taken = |candidate: &str| {
            merged
                .iter()
                .any(|m| sid_of(m).as_deref() == Some(candidate))
        };
        if taken(&sid) {
            // IAM wants a policy's Sids unique: the second one of a name gets a number.
            let unique = (2..)
                .map(|n| format!("{sid}{n}"))
                .find(|c| !taken(c))
                .unwrap_or_default();
            st["Sid"] = Value::String(unique);
        }
    }
    merged.push(st);
}

/// Two statements as one, when they differ in exactly one place where a list means "any of".
fn join(a: &Value, b: &Value) -> Option<Value> {
    let (Value::Object(am), Value::Object(bm)) = (a, b) else {
        return None;
    };
    if am.len() != bm.len() || am.keys().any(|k| !bm.contains_key(k)) {
        return None;
    }
    let (na, nb) = (statement(a), statement(b));
    let differing: Vec<&String> = am
        .keys()
        .filter(|k| na[k.as_str()] != nb[k.as_str()])
        .collect();
    let [field] = differing.as_slice() else {
        return None;
    };
    let mut out = am.clone();
    match field.as_str() {
        "Resource" => {
            out.insert("Resource".into(), either(&am["Resource"], &bm["Resource"]));
        }
        "Condition" => {
            let (Value::Object(ao), Value::Object(bo)) = (&am["Condition"], &bm["Condition"])
            else {
                return None;
            };
            let mut differences = Vec::new();
            for (op, keys) in ao {
                let (Value::Object(ak), Some(Value::Object(bk))) = (keys, bo.get(op)) else {
                    return None;
                };
                if ak.len() != bk.len() {
                    return None;
                }
                for (key, value) in ak {
                    let other = bk.get(key)?;
                    if string_set(value, false) != string_set(other, false) {
                        differences.push((op.clone(), key.clone(), either(value, other)));
                    }
                }
            }
            if bo.len() != ao.len() {
                return None;
            }
            let [(op, key, value)] = differences.as_slice() else {
                return None;
            };
            // A list is "any of" only for a positive operator on a single-valued key.
            if op.contains("Not") || op.starts_with("ForAllValues") {
                return None;
            }
            let mut condition = ao.clone();
            if let Some(Value::Object(keys)) = condition.get_mut(op) {
                keys.insert(key.clone(), value.clone());
            }
            out.insert("Condition".into(), Value::Object(condition));
        }
        _ => return None,
    }
    Some(Value::Object(out))
}

/// The values of both, in order, each once.
fn either(a: &Value, b: &Value) -> Value {
    let list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut out = list(a);
    for item in list(b) {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Value::Array(out)
}

/// Whether `live` grants at least what `wanted` does, in the terms `union` joins: adding
/// `wanted` to it changes nothing (a role serving several regions covers each one's).
pub fn covers(live: &Value, wanted: &Value) -> bool {
    equivalent(&union(&[live.clone(), wanted.clone()]), live)
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
    #[test]
    fn a_union_joins_what_differs_in_one_place_and_keeps_the_rest_apart() {
        let trust = |region: &str| {
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "Trust", "Effect": "Allow",
                "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "1"},
                    "ArnLike": {"aws:SourceArn": format!("arn:aws:bedrock:{region}:1:*")}}}]})
        };
        let joined = union(&[trust("us-east-1"), trust("us-west-2"), trust("us-east-1")]);
        assert_eq!(
            joined["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"],
            json!([
                "arn:aws:bedrock:us-east-1:1:*",
                "arn:aws:bedrock:us-west-2:1:*"
            ])
        );
        assert_eq!(joined["Statement"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            joined["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "1"
        );

        let logs = |region: &str, group: &str| {
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "Write", "Effect": "Allow",
                "Action": ["logs:PutLogEvents"], "Resource": format!("arn:aws:logs:{region}:1:log-group:{group}")}]})
        };
        let joined = union(&[logs("us-east-1", "/a"), logs("us-west-2", "/b")]);
        assert_eq!(
            joined["Statement"][0]["Resource"],
            json!([
                "arn:aws:logs:us-east-1:1:log-group:/a",
                "arn:aws:logs:us-west-2:1:log-group:/b"
            ])
        );

        // Two places differ: joining would also grant the cross combinations, so the
        // statements stay apart, the second with a Sid of its own.
        let both = |region: &str, account: &str| {
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "Trust", "Effect": "Allow", "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": format!("arn:aws:bedrock:{region}:1:*")}}}]})
        };
        let apart = union(&[both("us-east-1", "1"), both("us-west-2", "2")]);
        let statements = apart["Statement"].as_array().cloned().unwrap_or_default();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1]["Sid"], "Trust2");
        // A negated operator's list is not "any of".
        let not = |v: &str| {
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceAccount": v}}}]})
        };
        assert_eq!(
            union(&[not("1"), not("2")])["Statement"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        // Joining keeps the meaning of each: the union is equivalent to either when they agree.
        assert!(equivalent(
            &union(&[trust("us-east-1")]),
            &trust("us-east-1")
        ));
    }
}

//! The `[stack]` section: the stack's name, its region and the optional account guard.

use super::cx::{problem, Cx};
use super::table::Table;
use crate::model::Stack;
use crate::rules;
use toml::de::DeValue;

pub(super) fn decode_stack(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<Stack> {
    let name = t.required_string(cx, "name", "name = \"librechat\"");
    let name_ok = name
        .as_ref()
        .is_some_and(|(n, span)| cx.rule("stack.name", span, rules::stack_name(n)));
    let region = t.required_string(cx, "region", "region = \"us-east-1\"");
    let region_ok = region
        .as_ref()
        .is_some_and(|(r, span)| cx.rule("stack.region", span, rules::region(r)));
    let account_ids = match t.lookup(cx, "account_id") {
        None => Some(Vec::new()),
        Some(v) => match v.get_ref() {
            DeValue::String(s) => cx
                .rule("stack.account_id", &v.span(), rules::account_id(s))
                .then(|| vec![s.to_string()]),
            DeValue::Integer(i) => {
                quote_account(cx, "stack.account_id", v.span(), i.as_str());
                None
            }
            DeValue::Array(items) if !items.is_empty() => {
                let mut ids = Vec::new();
                let mut ok = true;
                for (n, item) in items.iter().enumerate() {
                    let path = format!("stack.account_id[{}]", n + 1);
                    match item.get_ref() {
                        DeValue::String(s) => {
                            if ids.contains(&s.to_string()) {
                                cx.error(
                                    &path,
                                    item.span(),
                                    problem(
                                        format!("account {s} is listed twice"),
                                        "list each account once",
                                    ),
                                );
                                ok = false;
                            } else if cx.rule(&path, &item.span(), rules::account_id(s)) {
                                ids.push(s.to_string());
                            } else {
                                ok = false;
                            }
                        }
                        DeValue::Integer(i) => {
                            quote_account(cx, &path, item.span(), i.as_str());
                            ok = false;
                        }
                        _ => {
                            cx.error(
                                &path,
                                item.span(),
                                problem(
                                    "expected an account id string",
                                    "write account_id = [\"111111111111\", \"222222222222\"]",
                                ),
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(ids)
            }
            _ => {
                t.wrong_type(
                    cx,
                    "account_id",
                    v,
                    "a string, or a non-empty list of strings",
                    "write account_id = \"123456789012\", or a list for several accounts",
                );
                None
            }
        },
    };
    if !(name_ok && region_ok) {
        return None;
    }
    Some(Stack {
        name: name?.0,
        region: region?.0,
        account_ids: account_ids?,
    })
}

/// An account id written as a number: quoting keeps its leading zeros.
fn quote_account(cx: &mut Cx, path: &str, span: std::ops::Range<usize>, digits: &str) {
    cx.error(
        path,
        span,
        problem(
            "expected a string, found an integer",
            format!("quote it, so that leading zeros survive: account_id = \"{digits:0>12}\""),
        ),
    );
}

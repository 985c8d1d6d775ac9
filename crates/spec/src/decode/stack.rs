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
    let account_id = match t.lookup(cx, "account_id") {
        None => Some(None),
        Some(v) => match v.get_ref() {
            DeValue::String(s) => cx
                .rule("stack.account_id", &v.span(), rules::account_id(s))
                .then(|| Some(s.to_string())),
            DeValue::Integer(i) => {
                cx.error(
                    "stack.account_id",
                    v.span(),
                    problem(
                        "expected a string, found an integer",
                        format!(
                            "quote it, so that leading zeros survive: account_id = \"{:0>12}\"",
                            i.as_str()
                        ),
                    ),
                );
                None
            }
            _ => {
                t.wrong_type(
                    cx,
                    "account_id",
                    v,
                    "a string",
                    "write account_id = \"123456789012\"",
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
        account_id: account_id?,
    })
}

//! Decoding `bedrock.toml` into a [`Spec`], collecting every problem on the way.
//!
//! The document is parsed into toml's spanned tree and walked by hand rather than through
//! serde: serde stops at the first unknown key or wrong type, and the contract is that
//! every problem is reported in one run.
//!
//! [`check`] is the entry and the top-level walk; `cx` collects the diagnostics, `table`
//! reads one TOML table and reports its unknown keys, and each spec section has its own file.

mod access;
mod api_key;
mod cx;
mod endpoint;
mod guardrails;
mod librechat;
mod librechat_role;
mod logging;
mod operations;
mod profiles;
mod quotas;
mod stack;
mod table;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Access, Cost, LibreChat, Monitoring, Quotas, Spec, Stack};
use crate::Checked;
use access::decode_access;
use cx::{problem, Cx};
use guardrails::decode_guardrails;
use librechat::decode_librechat;
use logging::decode_logging;
use operations::{decode_cost, decode_monitoring};
use profiles::decode_profiles;
use quotas::decode_quotas;
use stack::decode_stack;
use table::Table;
use toml::de::{DeTable, DeValue};

/// Parse and check a spec's source text. Never panics.
pub fn check(source: &str) -> Checked {
    let mut cx = Cx {
        source,
        ..Cx::default()
    };
    let (root, parse_errors) = DeTable::parse_recoverable(source);
    if !parse_errors.is_empty() {
        // The tree recovered from a syntax error is partial: checking it would report keys
        // as missing that are only unreadable. Report the syntax alone.
        for e in parse_errors {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', "; ");
            cx.diagnostics.push(Diagnostic {
                severity: Severity::Error,
                path: "(syntax)".into(),
                span,
                message: format!("invalid TOML: {message}"),
                help: "fix the TOML syntax; the rest of the spec is checked once it parses".into(),
            });
        }
        return cx.finish(None);
    }
    let mut top = Table::new(String::new(), root.get_ref(), 0..0);
    let spec = decode_spec(&mut cx, &mut top);
    top.finish(&mut cx);
    let spec = spec.filter(|_| !cx.has_errors());
    cx.finish(spec)
}

fn decode_spec(cx: &mut Cx<'_>, top: &mut Table<'_, '_>) -> Option<Spec> {
    let stack = match top.table(cx, "stack") {
        Some(mut t) => {
            let stack = decode_stack(cx, &mut t);
            t.finish(cx);
            stack
        }
        None => {
            if !top.table.iter().any(|(k, _)| k.get_ref() == "stack") {
                cx.error(
                    "stack",
                    0..0,
                    problem(
                        "missing the [stack] table",
                        "add a [stack] section with name = \"librechat\" and region = \"us-east-1\"",
                    ),
                );
            }
            None
        }
    };
    // The bucket's placeholders are checked even when [stack] has errors of its own: with
    // the region as written (or a stand-in) and the placeholder account when none is valid.
    let region = stack.as_ref().map(|s: &Stack| s.region.clone());
    let bucket_region = region
        .clone()
        .or_else(|| raw_string(top.table, "stack", "region"));
    let bucket_region = bucket_region.as_deref().unwrap_or("us-east-1");
    let account = stack
        .as_ref()
        .and_then(|s| match s.account_ids.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        })
        .unwrap_or_else(|| crate::ACCOUNT_PLACEHOLDER.into());

    let logging = match top.table(cx, "logging") {
        Some(mut t) => {
            let l = decode_logging(cx, &mut t, bucket_region, &account);
            t.finish(cx);
            l
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "logging") => None,
        None => {
            let empty = DeTable::default();
            let mut t = Table::new("logging".into(), &empty, 0..0);
            decode_logging(cx, &mut t, bucket_region, &account)
        }
    };

    let profiles = decode_profiles(cx, top, region.as_deref());
    let guardrails = decode_guardrails(cx, top);

    let access = match top.table(cx, "access") {
        Some(mut t) => {
            let a = decode_access(cx, &mut t);
            t.finish(cx);
            a
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "access") => None,
        None => Some(Access::default()),
    };

    let cost = match top.table(cx, "cost") {
        Some(mut t) => {
            let c = decode_cost(cx, &mut t, profiles.as_deref(), guardrails.as_deref());
            t.finish(cx);
            c
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "cost") => None,
        None => Some(Cost::default()),
    };
    let monitoring = match top.table(cx, "monitoring") {
        Some(mut t) => {
            let m = decode_monitoring(cx, &mut t, region.as_deref());
            t.finish(cx);
            m
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "monitoring") => None,
        None => Some(Monitoring::default()),
    };

    let quotas = match top.table(cx, "quotas") {
        Some(mut t) => {
            let q = decode_quotas(cx, &mut t, profiles.as_deref());
            t.finish(cx);
            q
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "quotas") => None,
        None => Some(Quotas::default()),
    };

    let librechat = match top.table(cx, "librechat") {
        Some(mut t) => {
            let l = decode_librechat(
                cx,
                &mut t,
                profiles.as_deref().unwrap_or(&[]),
                guardrails.as_deref(),
                region.as_deref(),
            );
            t.finish(cx);
            l
        }
        None if top.table.iter().any(|(k, _)| k.get_ref() == "librechat") => None,
        None => Some(LibreChat::default()),
    };
    // One IAM role name, two owners: the logging role's documents and LibreChat's would
    // replace each other at every apply.
    let clash = match (&logging, &librechat) {
        (Some(l), Some(lc)) if l.managed => lc
            .role
            .as_ref()
            .filter(|r| r.name == l.role_name)
            .map(|r| r.name.clone()),
        _ => None,
    };
    if let Some(name) = clash {
        let span = cx
            .spans
            .get("librechat.role.name")
            .cloned()
            .unwrap_or_default();
        cx.error(
            "librechat.role.name",
            span,
            problem(
                format!("{name:?} is also [logging] role_name: the logging role and LibreChat's are two roles, each with its own trust and policies"),
                "give [librechat.role] another name",
            ),
        );
        return None;
    }

    // A budget's alerts go to its address or to the alarms' topic: one must exist.
    if let (Some(Some(b)), Some(m)) = (cost.as_ref().map(|c| &c.budget), &monitoring) {
        if b.alert_email.is_none() && !m.alarms() {
            let span = cx.spans.get("cost.budget").cloned().unwrap_or_default();
            cx.error(
                "cost.budget",
                span,
                problem(
                    "the budget's alerts go nowhere: [cost.budget] has no alert_email, and [monitoring] has no topic (alarm_email or alarm_topic_arn)",
                    "add alert_email = \"finops@example.com\" to [cost.budget], or give [monitoring] an alarm_email (the stack's topic) or alarm_topic_arn (yours)",
                ),
            );
            return None;
        }
    }

    Some(Spec {
        stack: stack?,
        logging: logging?,
        profiles: profiles?,
        librechat: librechat?,
        access: access?,
        guardrails: guardrails?,
        cost: cost?,
        monitoring: monitoring?,
        quotas: quotas?,
    })
}

/// A string value at `table.key` of the raw document, if it is one.
fn raw_string(root: &DeTable<'_>, table: &str, key: &str) -> Option<String> {
    let (_, t) = root.iter().find(|(k, _)| k.get_ref() == table)?;
    let DeValue::Table(t) = t.get_ref() else {
        return None;
    };
    let (_, v) = t.iter().find(|(k, _)| k.get_ref() == key)?;
    v.get_ref().as_str().map(str::to_string)
}

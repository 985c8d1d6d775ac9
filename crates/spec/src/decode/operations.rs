//! `[cost]` and `[monitoring]`: cost allocation tags to activate in Billing, and the stack's
//! CloudWatch dashboard and alarms.

use super::cx::{join, problem, Cx};
use super::table::Table;
use crate::model::{Cost, GuardrailSpec, Monitoring, Profile};
use crate::rules;
use regex::Regex;
use std::sync::LazyLock;

/// Cost Explorer activates at most this many keys a call; the spec takes any number.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$").unwrap()
});
static TOPIC_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
        .unwrap()
});

/// Every tag key the stack's resources carry: the managed ones and each profile's and
/// guardrail's own.
fn stack_tag_keys(profiles: &[Profile], guardrails: &[GuardrailSpec]) -> Vec<String> {
    let mut keys = vec![
        crate::MANAGED_BY_TAG.to_string(),
        crate::STACK_TAG.to_string(),
    ];
    for k in profiles
        .iter()
        .flat_map(|p| p.tags.keys())
        .chain(guardrails.iter().flat_map(|g| g.tags.keys()))
    {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys
}

pub(super) fn decode_cost(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    profiles: &[Profile],
    guardrails: &[GuardrailSpec],
) -> Option<Cost> {
    let mut ok = true;
    let keys = stack_tag_keys(profiles, guardrails);
    let mut activate: Vec<String> = Vec::new();
    for (i, (key, span)) in t.strings(cx, "activate_tags").into_iter().enumerate() {
        let path = format!("{}[{i}]", join(&t.path, "activate_tags"));
        if !cx.rule(&path, &span, rules::tag_key(&key)) {
            ok = false;
        } else if activate.contains(&key) {
            cx.error(
                &path,
                span,
                problem(format!("{key:?} is listed twice"), "remove the second one"),
            );
            ok = false;
        } else if !keys.contains(&key) {
            cx.error(
                &path,
                span,
                problem(
                    format!("{key:?} is not a tag key of this stack's resources: Billing would have no cost to allocate by it"),
                    format!("add it to a profile's tags, or choose among {}", keys.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")),
                ),
            );
            ok = false;
        } else {
            activate.push(key);
        }
    }
    ok.then_some(Cost {
        activate_tags: activate,
    })
}

pub(super) fn decode_monitoring(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<Monitoring> {
    let mut ok = true;
    let dashboard = t.bool(cx, "dashboard").unwrap_or(false);
    let email = t.string(cx, "alarm_email");
    if let Some((e, span)) = &email {
        if !EMAIL.is_match(e) {
            cx.error(
                "monitoring.alarm_email",
                span.clone(),
                problem(
                    format!("{e:?} is not an email address"),
                    "write one address, e.g. \"ops@example.com\"",
                ),
            );
            ok = false;
        }
    }
    let topic = t.string(cx, "alarm_topic_arn");
    if let Some((arn, span)) = &topic {
        if !TOPIC_ARN.is_match(arn) {
            cx.error(
                "monitoring.alarm_topic_arn",
                span.clone(),
                problem(
                    format!("{arn:?} is not an SNS topic ARN"),
                    "write arn:aws:sns:REGION:ACCOUNT:NAME, the topic's ARN as `aws sns list-topics` shows it",
                ),
            );
            ok = false;
        }
    }
    if let (Some(_), Some((_, span))) = (&email, &topic) {
        cx.error(
            "monitoring.alarm_topic_arn",
            span.clone(),
            problem(
                "alarm_email and alarm_topic_arn both say where alarms go",
                "keep alarm_email (the stack makes a topic and subscribes the address) or alarm_topic_arn (a topic of yours)",
            ),
        );
        ok = false;
    }
    ok.then_some(Monitoring {
        dashboard,
        alarm_email: email.map(|e| e.0),
        alarm_topic_arn: topic.map(|t| t.0),
    })
}

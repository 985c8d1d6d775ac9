//! The stack's own topic, once it exists: its email subscriptions against the spec's
//! address, and the `alarm-email` tag that records the addresses the stack subscribed.

use super::{Desired, EmailSubscription, ObservedTopic, Step, ALARM_EMAIL_TAG, KIND};
use crate::change::{Action, Chain, FieldDiff, Phase};
use crate::plan::Planner;
use crate::refs::ArnRef;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The longest tag value SNS takes (botocore's model sns/2010-03-31, TagValue).
const TAG_VALUE_MAX: usize = 256;

/// An address as the tag holds it. Tag values take letters, digits, spaces and
/// `_ . : / = + - @` (Amazon SNS Developer Guide, "Amazon SNS tags"); of the characters an
/// address the spec takes may have, only `%` is not among them: it is written `:`, which no
/// such address has (a subscription's address with a `:` is never the stack's). The spec
/// takes addresses of at most 254 characters (RFC 5321), so the spec's fits.
pub fn tag_form(email: &str) -> String {
    email.replace('%', ":")
}

/// The addresses (as [`tag_form`] writes them) a topic's tag value records.
pub(super) fn recorded_addresses(value: &str) -> Vec<String> {
    value.split_whitespace().map(str::to_string).collect()
}

/// Plans the stack's existing topic `t` for the spec's `email`; false when the topic is not
/// the stack's to plan (ownership refused it: nothing else of monitoring is planned then).
pub(super) fn existing(p: &mut Planner, t: &ObservedTopic, email: &String, name: &str) -> bool {
    let mut diffs = Vec::new();
    let mut steps = Vec::new();
    let tagged = crate::tagging::Tagged::Topic { arn: t.arn.clone() };
    // Adopting tags the topic with the stack's tags; the alarm-email tag is in
    // the same call (below), so ownership's own tag step is not taken.
    let Some(action) = p.ownership(
        KIND,
        &format!("topic {name}"),
        &t.tags,
        tagged.clone(),
        &mut Vec::new(),
        &mut Vec::new(),
    ) else {
        return false;
    };
    let adopting = action == Action::Adopt;
    // The addresses this stack subscribed, as its tag records them: none on a
    // topic it adopts, or one an earlier version made (no tag).
    let recorded = if adopting {
        None
    } else {
        t.tags.get(ALARM_EMAIL_TAG)
    };
    let ours = |s: &&EmailSubscription| {
        recorded.is_some_and(|r| recorded_addresses(r).contains(&tag_form(&s.email)))
            && !s.email.contains(':')
    };
    let subscribe = !t.has(email);
    let mut formers = Vec::new();
    let mut unsubscribed = Vec::new();
    for s in t.subscriptions.iter().filter(|s| s.email != *email) {
        let who = format!("subscription of {} to topic {name}", s.email);
        if !ours(&s) {
            // Someone else's: never touched.
            let reason = match recorded {
                Some(_) => format!("someone else's subscription: not subscribed by this stack (the topic's {ALARM_EMAIL_TAG} tag names the addresses it subscribed), so never unsubscribed"),
                None => format!("the topic has no {ALARM_EMAIL_TAG} tag (it was made by an earlier version of the tool, or is adopted), so whether this stack subscribed it is not known: left as it is; unsubscribe it yourself if it is a former alarm_email"),
            };
            p.keep(KIND, &who, reason);
        } else if let Some(arn) = &s.arn {
            // The stack's former address, confirmed: alarms go to the spec's only.
            unsubscribed.push(Step::Unsubscribe {
                arn: arn.clone(),
                email: s.email.clone(),
            });
        } else {
            // Pending: AWS refuses to unsubscribe it. It receives nothing unless
            // confirmed, and AWS deletes it after 48 hours; the tag remembers it,
            // so that once confirmed, the next apply unsubscribes it.
            formers.push(s);
        }
    }
    // The tag: the spec's address, then the former ones still pending, as many
    // as its value holds.
    let mut value = tag_form(email);
    for s in formers {
        let who = format!("subscription of {} to topic {name}", s.email);
        let form = tag_form(&s.email);
        if value.len() + 1 + form.len() <= TAG_VALUE_MAX {
            value = format!("{value} {form}");
            p.keep(
                KIND,
                &who,
                "pending confirmation: AWS refuses to unsubscribe it, and deletes it once unconfirmed for 48 hours; it receives no alarm unless confirmed, and if it is, the next apply unsubscribes it",
            );
        } else {
            p.keep(
                KIND,
                &who,
                format!("pending confirmation: AWS refuses to unsubscribe it, and deletes it once unconfirmed for 48 hours; the topic's {ALARM_EMAIL_TAG} tag (at most {TAG_VALUE_MAX} characters) has no room to remember it, so if it is confirmed, unsubscribe it yourself"),
            );
        }
    }
    if subscribe || !unsubscribed.is_empty() {
        let before: Vec<&str> = t
            .subscriptions
            .iter()
            .filter(|s| s.email == *email || ours(s))
            .map(|s| s.email.as_str())
            .collect();
        diffs.push(FieldDiff::new("subscription", json!(before), json!(email)));
    }
    if subscribe {
        steps.push(Chain::one(
            Phase::Settings,
            Step::Subscribe {
                topic: ArnRef::Known(t.arn.clone()),
                email: email.clone(),
            },
        ));
    }
    // Tagged after the former address is unsubscribed: should that fail, the tag
    // still names it for the next apply. Adopting, nothing is unsubscribed, and
    // the stack's tags come first, as every adopted resource's do.
    let mut wanted_tags = p.desired.managed_tags.clone();
    wanted_tags.insert(ALARM_EMAIL_TAG.to_string(), value);
    let phase = if adopting {
        Phase::Foundations
    } else {
        Phase::Retire
    };
    let retag = crate::tagging::retag(
        tagged,
        &t.tags,
        &wanted_tags,
        crate::tagging::Scope::Stack,
        phase,
    );
    let mut retire = Chain {
        phase,
        steps: unsubscribed.into_iter().map(Into::into).collect(),
    };
    let reason = match (&retag, retire.steps.is_empty() && !subscribe) {
        (Some(_), true) => {
            format!("its {ALARM_EMAIL_TAG} tag differs from the addresses the stack subscribed")
        }
        _ => "the subscription differs from the spec".to_string(),
    };
    if let Some((diff, chain)) = retag {
        diffs.push(diff);
        retire.steps.extend(chain.steps);
    }
    if !retire.steps.is_empty() {
        steps.push(retire);
    }
    p.settle(
        KIND,
        &format!("topic {name}"),
        action,
        &reason,
        diffs,
        steps,
    );
    true
}

/// The stack's tags and the record of the address it subscribes.
pub(super) fn topic_tags(
    managed: &BTreeMap<String, String>,
    email: &str,
) -> BTreeMap<String, String> {
    let mut tags = managed.clone();
    tags.insert(ALARM_EMAIL_TAG.to_string(), tag_form(email));
    tags
}

pub(super) fn delete_topic(
    p: &mut Planner,
    d: &Desired,
    t: &ObservedTopic,
    phase: Phase,
    reason: &str,
) {
    // Deleting the topic ends every subscription of it, those added by hand too: say so.
    let recorded = t
        .tags
        .get(ALARM_EMAIL_TAG)
        .map(|v| recorded_addresses(v))
        .unwrap_or_default();
    let spec = d.alarm_email.as_deref();
    let others: Vec<&str> = t
        .subscriptions
        .iter()
        .filter(|s| Some(s.email.as_str()) != spec)
        .filter(|s| s.email.contains(':') || !recorded.contains(&tag_form(&s.email)))
        .map(|s| s.email.as_str())
        .collect();
    let reason = if others.is_empty() {
        reason.to_string()
    } else {
        format!(
            "{reason}; deleting it also ends the subscriptions not recorded as this stack's: {}",
            others.join(", ")
        )
    };
    p.delete(
        KIND,
        &format!("topic {}", d.topic_name()),
        &reason,
        vec![FieldDiff::new("arn", json!(t.arn), Value::Null)],
        vec![Chain::one(phase, Step::DeleteTopic { arn: t.arn.clone() })],
    );
}

/// The stack's existing topic's statement for AWS Budgets: there while the budget's alerts go
/// to the topic, taken off once they no longer do. The rest of its policy is not touched.
pub(super) fn budgets_access(p: &mut Planner, d: &Desired, t: &ObservedTopic) {
    if t.budgets_statement == d.budget_alerts {
        return;
    }
    let (reason, before, after) = if d.budget_alerts {
        ("the budget's alerts go to the topic ([cost.budget] has no alert_email): AWS Budgets publishes only to a topic whose policy lets it", json!("may not publish"), json!("may publish"))
    } else {
        ("the budget's alerts no longer go to the topic: AWS Budgets' statement is taken off its policy, the rest of it kept", json!("may publish"), json!("may not publish"))
    };
    p.push(
        KIND,
        &format!("policy of topic {}", d.topic_name()),
        Action::Update,
        reason,
        vec![FieldDiff::new("AWS Budgets", before, after)],
        vec![Chain::one(
            if d.budget_alerts {
                Phase::Settings
            } else {
                Phase::Retire
            },
            Step::BudgetsAccess {
                topic: ArnRef::Known(t.arn.clone()),
                account: p.observed.account_id.clone(),
                allow: d.budget_alerts,
            },
        )],
    );
}

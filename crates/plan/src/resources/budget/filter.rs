//! What the budget counts (its filters, and why), and whether the user's topic can take its
//! alerts: what the plan says of both.

use super::{budgets_statement, Desired, TopicAccess, SERVICE};
use crate::plan::Planner;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The filters the budget should have, and why, in the plan's words.
pub(super) fn filters(p: &Planner, d: &Desired) -> (BTreeMap<String, Vec<String>>, Option<String>) {
    let tag = bedrock_spec::STACK_TAG;
    let status = p.observed.cost_tags.statuses.get(tag).map(String::as_str);
    let mut filters = BTreeMap::from([("Region".to_string(), vec![d.region.clone()])]);
    // Known to Billing and in `activate_tags`: this apply activates it (cost allocation tags
    // are planned before the budget's steps run).
    let activated_now = status.is_some()
        && p.observed.cost_tags.management_account.is_none()
        && p.desired.cost_tags.iter().any(|k| k == tag);
    if status == Some("Active") || activated_now {
        filters.insert("TagKeyValue".to_string(), vec![d.tag_filter.clone()]);
        return (filters, None);
    }
    filters.insert("Service".to_string(), vec![SERVICE.to_string()]);
    let why = match (&p.observed.cost_tags.management_account, status) {
        (Some(_), _) => format!("this account may not read cost allocation tags (a member of an AWS Organization): activate the tag key {tag:?} in the management account, and the next apply filters by it"),
        (None, Some(_)) => format!("Billing knows the stack's tag key {tag:?} and it is not active: add \"{tag}\" to [cost] activate_tags, and the next apply filters by it"),
        (None, None) if p.desired.cost_tags.iter().any(|k| k == tag) => format!("Billing does not know the stack's tag key {tag:?} yet (up to a day after a resource first carries it): the first apply after it is active filters by it"),
        (None, None) => format!("the stack's tag key {tag:?} is not an active cost allocation tag: add \"{tag}\" to [cost] activate_tags, and the first apply after Billing activates it filters by it"),
    };
    let note = format!(
        "counts all of {SERVICE} in {} in this account, not only this stack: {why}. Third-party models sold through AWS Marketplace may be billed under their own service names, which this filter does not count; the tag's filter counts the stack's profiles whatever their model",
        d.region
    );
    (filters, Some(note))
}

/// The filter as the plan shows it.
pub(super) fn filter_shown(filters: &BTreeMap<String, Vec<String>>) -> Value {
    json!(filters
        .iter()
        .map(|(k, v)| format!("{k} = {}", v.join(", ")))
        .collect::<Vec<_>>())
}

/// Why the user's topic cannot take the budget's alerts, when it cannot.
pub(super) fn user_topic_problem(p: &Planner) -> Option<String> {
    let arn = p.desired.monitoring.alarm_topic_arn.as_ref()?;
    let account = &p.observed.account_id;
    let statement = budgets_statement(arn, account);
    let statement = serde_json::to_string_pretty(&statement).unwrap_or_default();
    match p.observed.budget.user_topic.as_ref()? {
        TopicAccess::Allowed => None,
        TopicAccess::Refused => Some(format!(
            "the budget's alerts go to your topic {arn} ([monitoring] alarm_topic_arn), and its policy does not let AWS Budgets publish to it: Budgets would refuse the budget\n  help: add this statement to the topic's policy (`aws sns set-topic-attributes --attribute-name Policy`), or give [cost.budget] an alert_email:\n{statement}"
        )),
        TopicAccess::Unreadable(why) => Some(format!(
            "the budget's alerts go to your topic {arn} ([monitoring] alarm_topic_arn), and its policy could not be read to see whether AWS Budgets may publish to it: {why}\n  help: check that the topic exists and that the credentials may call sns:GetTopicAttributes on it, or give [cost.budget] an alert_email"
        )),
    }
}

//! `[cost]` and `[monitoring]`: cost allocation tags to activate in Billing, and the stack's
//! CloudWatch dashboard and alarms.

use super::cx::{join, problem, Cx};
use super::table::Table;
use crate::model::{Budget, BudgetAlert, Cost, GuardrailSpec, Monitoring, Profile};
use crate::rules;
use regex::Regex;
use std::sync::LazyLock;

/// Cost Explorer activates at most this many keys a call; the spec takes any number.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$").unwrap()
});
/// The longest address mail can be sent to (RFC 5321, 4.5.3.1.3: a path of 256 octets,
/// angle brackets included).
const EMAIL_MAX: usize = 254;
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

/// `profiles` and `guardrails` are None when they have errors of their own (reported where
/// they are): then which keys the stack's resources carry is not known, and no key is called
/// unknown for it.
pub(super) fn decode_cost(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    profiles: Option<&[Profile]>,
    guardrails: Option<&[GuardrailSpec]>,
) -> Option<Cost> {
    let mut ok = true;
    let keys = match (profiles, guardrails) {
        (Some(p), Some(g)) => Some(stack_tag_keys(p, g)),
        _ => None,
    };
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
        } else if let Some(keys) = keys.as_ref().filter(|keys| !keys.contains(&key)) {
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
    let budget = match t.table(cx, "budget") {
        Some(mut b) => {
            let budget = decode_budget(cx, &mut b);
            b.finish(cx);
            ok &= budget.is_some();
            budget
        }
        None => {
            ok &= !t.table.iter().any(|(k, _)| k.get_ref() == "budget");
            None
        }
    };
    ok.then_some(Cost {
        activate_tags: activate,
        budget,
    })
}

/// AWS Budgets takes at most five notifications a budget (CreateBudget's
/// NotificationsWithSubscribers: "up to five").
const NOTIFICATIONS_MAX: usize = 5;
/// The largest monthly limit the spec takes: beyond any Bedrock bill, so a typo of a few
/// zeros is caught.
const MONTHLY_MAX: f64 = 1_000_000_000.0;

/// `[cost.budget]`.
fn decode_budget(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<Budget> {
    let mut ok = true;
    let base = t.path.clone();
    let path = |key: &str| join(&base, key);
    let monthly = t.number(cx, "monthly_usd");
    let monthly_path = path("monthly_usd");
    match &monthly {
        None if !t.table.iter().any(|(k, _)| k.get_ref() == "monthly_usd") => {
            t.missing(cx, "monthly_usd", "monthly_usd = 500");
            ok = false;
        }
        None => ok = false,
        Some((n, span)) => {
            let cents = n * 100.0;
            if !(*n > 0.0 && *n <= MONTHLY_MAX) {
                cx.error(
                    &monthly_path,
                    span.clone(),
                    problem(
                        format!("{n} is not a monthly limit: it must be above 0 and at most 1,000,000,000 US dollars"),
                        "write the monthly limit in dollars, such as 500",
                    ),
                );
                ok = false;
            } else if (cents - cents.round()).abs() > 1e-6 {
                let help = if cents.round() < 1.0 {
                    "write at least 0.01".to_string()
                } else {
                    format!("write {:.2}", n)
                };
                cx.error(
                    &monthly_path,
                    span.clone(),
                    problem(
                        format!("{n} has more than two decimals: a budget's limit is in dollars and cents"),
                        help,
                    ),
                );
                ok = false;
            }
        }
    }
    let percent_path = path("alert_at_percent");
    let percents = match t.integers(cx, "alert_at_percent") {
        None if t
            .table
            .iter()
            .any(|(k, _)| k.get_ref() == "alert_at_percent") =>
        {
            ok = false;
            Vec::new()
        }
        None => vec![80, 100],
        Some((items, all)) => {
            ok &= all;
            let mut out: Vec<u32> = Vec::new();
            for (i, (n, span)) in items.iter().enumerate() {
                let at = format!("{percent_path}[{i}]");
                match u32::try_from(*n).ok().filter(|n| (1..=1000).contains(n)) {
                    None => {
                        cx.error(
                            &at,
                            span.clone(),
                            problem(
                                format!("{n} is not a percentage of the limit an alert can be at"),
                                "write a whole percentage from 1 to 1000, such as 80",
                            ),
                        );
                        ok = false;
                    }
                    Some(p) if out.contains(&p) => {
                        cx.error(
                            &at,
                            span.clone(),
                            problem(format!("{p} is listed twice"), "remove the second one"),
                        );
                        ok = false;
                    }
                    Some(p) => out.push(p),
                }
            }
            if items.is_empty() && all {
                let span = cx.spans.get(&percent_path).cloned().unwrap_or_default();
                cx.error(
                    &percent_path,
                    span,
                    problem(
                        "no percentage: a budget without alerts tells nobody",
                        "write alert_at_percent = [80, 100], or remove the key for that default",
                    ),
                );
                ok = false;
            }
            out.sort_unstable();
            out
        }
    };
    let on_path = path("alert_on");
    let raw = |key: &str| {
        t.table
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v)
    };
    let present = raw("alert_on").is_some();
    // An array (an empty one is reported below); another type is reported as such.
    let an_array = matches!(
        raw("alert_on").map(|v| v.get_ref()),
        Some(toml::de::DeValue::Array(_))
    );
    let mut alert_on: Vec<BudgetAlert> = Vec::new();
    for (i, (value, span)) in t.strings(cx, "alert_on").into_iter().enumerate() {
        let at = format!("{on_path}[{i}]");
        let kind = match value.as_str() {
            "actual" => BudgetAlert::Actual,
            "forecasted" => BudgetAlert::Forecasted,
            other => {
                cx.error(
                    &at,
                    span,
                    problem(
                        format!("{other:?} is not a spend an alert compares with"),
                        "write \"actual\" (spent so far this month) or \"forecasted\" (AWS's forecast for the month)",
                    ),
                );
                ok = false;
                continue;
            }
        };
        if alert_on.contains(&kind) {
            cx.error(
                &at,
                span,
                problem(
                    format!("{value:?} is listed twice"),
                    "remove the second one",
                ),
            );
            ok = false;
        } else {
            alert_on.push(kind);
        }
    }
    if !present {
        alert_on = vec![BudgetAlert::Actual, BudgetAlert::Forecasted];
    } else if !an_array {
        ok = false;
    } else if alert_on.is_empty() && ok {
        let span = cx.spans.get(&on_path).cloned().unwrap_or_default();
        cx.error(
            &on_path,
            span,
            problem(
                "no spend to alert on",
                "write alert_on = [\"actual\", \"forecasted\"], or remove the key for that default",
            ),
        );
        ok = false;
    }
    alert_on.sort_unstable();
    if ok && percents.len() * alert_on.len() > NOTIFICATIONS_MAX {
        let span = cx
            .spans
            .get(&percent_path)
            .cloned()
            .unwrap_or_else(|| t.span.clone());
        cx.error(
            &percent_path,
            span,
            problem(
                format!(
                    "{} percentages, each on {} spend{}, make {} alerts: AWS Budgets takes at most {NOTIFICATIONS_MAX} a budget",
                    percents.len(),
                    alert_on.len(),
                    if alert_on.len() == 1 { "" } else { "s" },
                    percents.len() * alert_on.len()
                ),
                if alert_on.len() == 1 {
                    format!("list at most {NOTIFICATIONS_MAX} percentages")
                } else {
                    format!("list fewer percentages, or alert_on = [\"actual\"] only (at most {NOTIFICATIONS_MAX} percentages)")
                },
            ),
        );
        ok = false;
    }
    let email = t.string(cx, "alert_email");
    // Given, and not a string (reported): the budget's alerts are not known to go nowhere.
    ok &= email.is_some() || raw("alert_email").is_none();
    if let Some((e, span)) = &email {
        if !EMAIL.is_match(e) || e.len() > EMAIL_MAX {
            cx.error(
                &path("alert_email"),
                span.clone(),
                problem(
                    format!("{e:?} is not an email address (of at most {EMAIL_MAX} characters)"),
                    "write one address, e.g. \"finops@example.com\"",
                ),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(Budget {
        monthly_usd: monthly?.0,
        alert_at_percent: percents,
        alert_on,
        alert_email: email.map(|e| e.0),
    })
}

/// `region` is the stack's (None when `[stack]` has errors of its own): a topic of the user's
/// must be there, since CloudWatch sends an alarm only to a topic of its own region.
pub(super) fn decode_monitoring(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    region: Option<&str>,
) -> Option<Monitoring> {
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
        } else if e.len() > EMAIL_MAX {
            // And the stack's topic records it in a tag, whose value SNS takes up to 256.
            cx.error(
                "monitoring.alarm_email",
                span.clone(),
                problem(
                    format!(
                        "the address is {} characters long: an email address has at most {EMAIL_MAX} (RFC 5321)",
                        e.len()
                    ),
                    "write a shorter address, e.g. a list or alias that forwards to it",
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
        } else if let Some(region) = region {
            let mut parts = arn.split(':');
            let (partition, topic_region) =
                (parts.nth(1).unwrap_or(""), parts.nth(1).unwrap_or(""));
            let stack_partition = rules::partition_of(region);
            if partition != stack_partition || topic_region != region {
                cx.error(
                    "monitoring.alarm_topic_arn",
                    span.clone(),
                    problem(
                        format!("{arn:?} is a topic in {topic_region} ({partition}), and the stack is in {region} ({stack_partition}): CloudWatch sends an alarm only to a topic in the alarm's own region"),
                        format!("name a topic in {region}, or use alarm_email and the stack makes one there"),
                    ),
                );
                ok = false;
            }
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

#[cfg(test)]
mod tests {
    fn errors(src: &str) -> Vec<String> {
        crate::check(src)
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .map(|d| d.message.clone())
            .collect()
    }

    const STACK: &str = "[stack]\nname = \"s\"\nregion = \"us-east-1\"\n";

    #[test]
    fn a_profile_with_an_invalid_tag_key_makes_no_valid_cost_key_unknown() {
        let src = format!(
            "{STACK}[[profiles]]\nname = \"P\"\nmodel = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\"\nenv = \"BEDROCK_P\"\ntags = {{ \"Team \" = \"a\", \"Bad*Key\" = \"b\" }}\n[cost]\nactivate_tags = [\"Team \"]\n"
        );
        let errors = errors(&src);
        assert!(errors.iter().any(|e| e.contains("Bad*Key")), "{errors:#?}");
        assert!(
            !errors.iter().any(|e| e.contains("is not a tag key")),
            "{errors:#?}"
        );
    }

    #[test]
    fn an_alarm_topic_of_another_region_or_partition_is_refused() {
        for arn in [
            "arn:aws:sns:us-west-2:123456789012:alarms",
            "arn:aws-cn:sns:us-east-1:123456789012:alarms",
        ] {
            let src = format!("{STACK}[monitoring]\nalarm_topic_arn = \"{arn}\"\n");
            let errors = errors(&src);
            assert!(
                errors.iter().any(|e| e.contains(
                    "CloudWatch sends an alarm only to a topic in the alarm's own region"
                )),
                "{arn}: {errors:#?}"
            );
        }
        let src = format!(
            "{STACK}[monitoring]\nalarm_topic_arn = \"arn:aws:sns:us-east-1:123456789012:alarms\"\n"
        );
        assert!(errors(&src).is_empty(), "{:#?}", errors(&src));
    }

    #[test]
    fn an_alarm_email_longer_than_mail_allows_is_refused() {
        let at = |local: usize| {
            let address = format!("{}@example.com", "a".repeat(local));
            errors(&format!(
                "{STACK}[monitoring]\nalarm_email = \"{address}\"\n"
            ))
        };
        // 242 + "@example.com" (12): 254, the most RFC 5321 allows.
        assert!(at(242).is_empty(), "{:#?}", at(242));
        let errors = at(243);
        assert!(
            errors.iter().any(|e| e.contains("255 characters long")),
            "{errors:#?}"
        );
    }

    #[test]
    fn a_budget_s_errors_are_each_said_once_and_none_follows_from_another() {
        let budget = |rest: &str| {
            errors(&format!(
                "{STACK}[cost.budget]\nmonthly_usd = 10\nalert_email = \"a@example.com\"\n{rest}"
            ))
        };
        let e = budget("alert_on = \"actual\"\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        let e = budget("alert_at_percent = [0, 1001, 50.5]\n");
        assert_eq!(e.len(), 3, "each item once: {e:#?}");
        let e = errors(&format!(
            "{STACK}[cost.budget]\nmonthly_usd = 10\nalert_email = [\"a@example.com\"]\n"
        ));
        assert_eq!(
            e.len(),
            1,
            "the type only, not 'the alerts go nowhere': {e:#?}"
        );
        let e = errors(&format!(
            "{STACK}[cost.budget]\nmonthly_usd = 0.001\nalert_email = \"a@example.com\"\n"
        ));
        assert!(e[0].contains("more than two decimals"), "{e:#?}");
        let checked = crate::check(&format!(
            "{STACK}[cost.budget]\nmonthly_usd = 0.001\nalert_email = \"a@example.com\"\n"
        ));
        assert!(
            checked
                .diagnostics
                .iter()
                .any(|d| d.help == "write at least 0.01"),
            "{:#?}",
            checked.diagnostics
        );
    }
}

//! The stack's budget (`[cost.budget]`): an AWS Budgets cost budget of a monthly limit, with
//! an alert at each percentage of it, on the actual spend, the forecast, or both, sent to an
//! address or to `[monitoring]`'s topic. It is named for the stack and Region and tagged.
//!
//! What it counts: the stack's own cost, by the stack's tag (`stack = <name>`) on its
//! profiles, once Billing has that tag active as a cost allocation tag; until then Amazon
//! Bedrock's whole cost in the Region. Either way the plan says which, and the budget is
//! updated to the tag's filter at the first apply after Billing activates it.
//!
//! Budgets are the account's, not the Region's (one endpoint): the name carries the Region.
//! A notification is told by its spend type, comparison, threshold and threshold type; the
//! budget's are the spec's exactly (it is the stack's budget, made for these alerts), and so
//! are each one's subscribers.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::refs::ArnRef;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{Inputs, KindPlanner};
use crate::tagging::Tagged;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

mod alerts;
mod filter;
mod step;
mod topic_policy;
use alerts::{alerts, subscribed};
use filter::{filter_shown, filters, user_topic_problem};
pub use step::Step;
pub use topic_policy::{
    allows_budgets, budgets_statement, has_statement, with_budgets, BUDGETS_SID,
};

pub const KIND: Kind = Kind {
    id: "budget",
    label: "budget",
    // Its name is the stack's and the Region's: a clash is solved by the stack's name.
    spec_key: "[stack] name",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

/// The service Cost Explorer and Budgets name Bedrock by (the `Service` dimension).
pub const SERVICE: &str = "Amazon Bedrock";
/// A budget's limit and the spend it compares are in this unit.
pub const UNIT: &str = "USD";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desired {
    /// `librechat-bedrock-<stack>-<region>`.
    pub name: String,
    pub arn: String,
    /// The monthly limit, as Budgets takes it (dollars and cents).
    pub amount: String,
    pub notifications: Vec<Notification>,
    /// `[cost.budget] alert_email`; None: the alarms' topic (`[monitoring]`).
    pub email: Option<String>,
    /// The stack's tag as Budgets filters by it: `user:stack$<name>`.
    pub tag_filter: String,
    pub region: String,
}

pub fn desired(i: &Inputs) -> Option<Desired> {
    let b = i.spec.cost.budget.as_ref()?;
    let stack = &i.spec.stack;
    let name = format!("librechat-bedrock-{}-{}", stack.name, stack.region);
    Some(Desired {
        arn: format!(
            "arn:{}:budgets::{}:budget/{name}",
            i.spec.partition(),
            i.account_id
        ),
        name,
        amount: format!("{:.2}", b.monthly_usd),
        notifications: b
            .alert_on
            .iter()
            .flat_map(|on| {
                b.alert_at_percent.iter().map(move |p| Notification {
                    spend: match on {
                        bedrock_spec::BudgetAlert::Actual => "ACTUAL",
                        bedrock_spec::BudgetAlert::Forecasted => "FORECASTED",
                    }
                    .to_string(),
                    comparison: "GREATER_THAN".to_string(),
                    threshold: f64::from(*p),
                    threshold_type: "PERCENTAGE".to_string(),
                })
            })
            .collect(),
        email: b.alert_email.clone(),
        tag_filter: format!("user:{}${}", bedrock_spec::STACK_TAG, stack.name),
        region: stack.region.clone(),
    })
}

/// A budget's notification, as Budgets tells one from another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// `ACTUAL` or `FORECASTED`.
    pub spend: String,
    /// `GREATER_THAN`, `LESS_THAN` or `EQUAL_TO`.
    pub comparison: String,
    pub threshold: f64,
    /// `PERCENTAGE` (of the limit) or `ABSOLUTE_VALUE`.
    pub threshold_type: String,
}

impl Notification {
    /// As people read it: "forecasted spend above 80%".
    pub fn shown(&self) -> String {
        let comparison = match self.comparison.as_str() {
            "GREATER_THAN" => "above",
            "LESS_THAN" => "below",
            "EQUAL_TO" => "at",
            other => other,
        };
        let threshold = if self.threshold_type == "PERCENTAGE" {
            format!("{}%", self.threshold)
        } else {
            format!("{} {UNIT}", self.threshold)
        };
        format!(
            "{} spend {comparison} {threshold}",
            self.spend.to_lowercase()
        )
    }
}

/// Where a notification goes, as Budgets names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    /// `EMAIL` or `SNS`.
    pub kind: String,
    pub address: String,
}

/// Where the spec's alerts go: an address, or a topic (the stack's, perhaps made by this
/// apply, or the user's).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Email(String),
    Topic(ArnRef),
}

impl Target {
    fn shown(&self) -> String {
        match self {
            Target::Email(e) => e.clone(),
            Target::Topic(ArnRef::Known(arn)) => arn.clone(),
            // Made by this apply: its name, which its ARN ends with.
            Target::Topic(ArnRef::Created { name, .. }) => format!("SNS topic {name}"),
        }
    }

    fn matches(&self, s: &Subscriber) -> bool {
        match self {
            Target::Email(e) => s.kind == "EMAIL" && s.address == *e,
            Target::Topic(ArnRef::Known(arn)) => s.kind == "SNS" && s.address == *arn,
            Target::Topic(_) => false,
        }
    }
}

/// A budget, as Budgets' calls name it: its account and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Id {
    pub account: String,
    pub name: String,
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// What a budget is, as CreateBudget and UpdateBudget take it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    pub id: Id,
    pub amount: String,
    /// CostFilters: `Service` or `TagKeyValue`, and `Region`.
    pub filters: BTreeMap<String, Vec<String>>,
}

/// The stack's budget as Budgets answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Live {
    pub amount: String,
    pub unit: String,
    /// `MONTHLY`, ...
    pub time_unit: String,
    /// `COST`, `USAGE`, ...
    pub budget_type: String,
    pub filters: BTreeMap<String, Vec<String>>,
    /// Whether it filters by a FilterExpression (made in the console's newer form) rather
    /// than CostFilters.
    pub filter_expression: bool,
    /// Its cost types that differ from the defaults (`IncludeCredit = false`): the stack's
    /// budget counts with the defaults.
    pub cost_types: Vec<String>,
    pub notifications: Vec<(Notification, Vec<Subscriber>)>,
    pub tags: BTreeMap<String, String>,
}

/// Whether AWS Budgets may publish to the user's topic (`[monitoring] alarm_topic_arn`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicAccess {
    Allowed,
    /// Its policy does not let budgets.amazonaws.com publish.
    Refused,
    /// Its policy could not be read: why.
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Observed {
    /// The budget of the stack's name, when it exists.
    pub budget: Option<Live>,
    /// The user's alarm topic, when the budget's alerts go to it.
    pub user_topic: Option<TopicAccess>,
}

/// Where the alerts go once this plan is applied (None: nowhere the plan can name; the
/// spec's checks make that impossible).
fn target(p: &Planner, d: &Desired) -> Option<Target> {
    match &d.email {
        Some(e) => Some(Target::Email(e.clone())),
        None => crate::resources::monitoring::topic_after(p).map(Target::Topic),
    }
}

/// Two amounts of dollars, the same to the cent ("500" and "500.0" are).
fn same_amount(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(a), Ok(b)) => ((a - b) * 100.0).abs() < 0.5,
        _ => a == b,
    }
}

fn plan(p: &mut Planner) {
    let observed = p.observed.budget.budget.clone();
    let Some(d) = p.desired.budget.clone() else {
        if observed.is_some_and(|l| p.owns(&l.tags)) {
            let name = live_name(p);
            delete(
                p,
                &name,
                Phase::Retire,
                "no longer in the spec ([cost.budget])",
            );
        }
        return;
    };
    let Some(target) = target(p, &d) else {
        return;
    };
    if d.email.is_none() {
        if let Some(problem) = user_topic_problem(p) {
            p.problems.push(problem);
            return;
        }
    }
    let (filters, note) = filters(p, &d);
    // What the budget counts, said with its change (and as a warning, which a reader of the
    // plan's JSON finds too); with no change, in the no-op's reason.
    let warn = |p: &mut Planner| {
        if let Some(n) = &note {
            p.warnings.push(format!("budget {}: it {n}", d.name));
        }
    };
    let id = Id {
        account: p.observed.account_id.clone(),
        name: d.name.clone(),
    };
    let body = Body {
        id: id.clone(),
        amount: d.amount.clone(),
        filters: filters.clone(),
    };
    let Some(live) = observed else {
        warn(p);
        p.push(
            KIND,
            &d.name,
            Action::Create,
            format!(
                "does not exist: {} {UNIT} a month, alerts to {}",
                d.amount,
                target.shown()
            ),
            vec![
                FieldDiff::new("monthly_usd", Value::Null, json!(d.amount)),
                FieldDiff::new("filter", Value::Null, filter_shown(&filters)),
                FieldDiff::new(
                    "alerts",
                    Value::Null,
                    json!(d
                        .notifications
                        .iter()
                        .map(Notification::shown)
                        .collect::<Vec<_>>()),
                ),
            ],
            vec![Chain::one(
                Phase::Access,
                Step::CreateBudget {
                    budget: body,
                    notifications: d.notifications.clone(),
                    target,
                    tags: p.desired.managed_tags.clone(),
                },
            )],
        );
        return;
    };
    let mut diffs = Vec::new();
    let mut steps = Vec::new();
    let tagged = Tagged::Budget { arn: d.arn.clone() };
    let Some(action) = p.ownership(KIND, &d.name, &live.tags, tagged, &mut diffs, &mut steps)
    else {
        return;
    };
    if live.budget_type != "COST" || live.time_unit != "MONTHLY" || live.unit != UNIT {
        // Budgets does not change a budget's type: it is made again, alerts and all.
        let what = format!(
            "a {} {} budget in {}",
            live.time_unit.to_lowercase(),
            live.budget_type.to_lowercase(),
            live.unit
        );
        p.push(
            KIND,
            &d.name,
            Action::Replace,
            format!("is {what}, not a monthly cost budget in {UNIT}: deleted and made again"),
            vec![FieldDiff::new("budget", json!(what), json!("monthly cost"))],
            vec![Chain {
                phase: Phase::Access,
                steps: vec![
                    Step::DeleteBudget { budget: id.clone() }.into(),
                    Step::CreateBudget {
                        budget: body,
                        notifications: d.notifications.clone(),
                        target,
                        tags: p.desired.managed_tags.clone(),
                    }
                    .into(),
                ],
            }],
        );
        return;
    }
    let update = !same_amount(&live.amount, &d.amount)
        || live.filters != filters
        || live.filter_expression
        || !live.cost_types.is_empty();
    if !live.cost_types.is_empty() {
        diffs.push(FieldDiff::new(
            "cost_types",
            json!(live.cost_types),
            json!("AWS's defaults"),
        ));
    }
    if !same_amount(&live.amount, &d.amount) {
        diffs.push(FieldDiff::new(
            "monthly_usd",
            json!(live.amount),
            json!(d.amount),
        ));
    }
    if live.filters != filters || live.filter_expression {
        diffs.push(FieldDiff::new(
            "filter",
            filter_shown(&live.filters),
            filter_shown(&filters),
        ));
    }
    if update {
        steps.push(Chain::one(
            Phase::Access,
            Step::UpdateBudget { budget: body },
        ));
    }
    let alerts = alerts(&id, &d, &live, &target);
    if !alerts.is_empty() {
        let before: Vec<String> = live
            .notifications
            .iter()
            .map(|(n, s)| subscribed(n, s.iter().map(|s| s.address.as_str())))
            .collect();
        let after: Vec<String> = d
            .notifications
            .iter()
            .map(|n| subscribed(n, [target.shown().as_str()].into_iter()))
            .collect();
        diffs.push(FieldDiff::new("alerts", json!(before), json!(after)));
        steps.push(Chain {
            phase: Phase::Access,
            steps: alerts.into_iter().map(Into::into).collect(),
        });
    }
    let retag = crate::tagging::retag(
        Tagged::Budget { arn: d.arn.clone() },
        &live.tags,
        &p.desired.managed_tags,
        crate::tagging::Scope::Stack,
        Phase::Access,
    );
    if let (Some((diff, chain)), Action::Update) = (retag, action) {
        diffs.push(diff);
        steps.push(chain);
    }
    let reason = if live.filters != filters
        && filters.contains_key("TagKeyValue")
        && live.filters.contains_key("Service")
    {
        "the stack's tag is an active cost allocation tag now: the budget counts the stack's cost by it".to_string()
    } else {
        "differs from the spec".to_string()
    };
    if steps.is_empty() {
        let reason = match &note {
            Some(n) => format!("as specified; it {n}"),
            None => "as specified".to_string(),
        };
        p.push(KIND, &d.name, Action::NoOp, reason, vec![], vec![]);
        return;
    }
    warn(p);
    p.settle(KIND, &d.name, action, &reason, diffs, steps);
}

/// The name of the stack's budget (the spec's, or, when the spec has none, the name it
/// would have).
fn live_name(p: &Planner) -> String {
    format!("librechat-bedrock-{}-{}", p.desired.stack, p.desired.region)
}

fn delete(p: &mut Planner, name: &str, phase: Phase, reason: &str) {
    p.delete(
        KIND,
        name,
        reason,
        vec![],
        vec![Chain::one(
            phase,
            Step::DeleteBudget {
                budget: Id {
                    account: p.observed.account_id.clone(),
                    name: name.to_string(),
                },
            },
        )],
    );
}

fn destroy(p: &mut Planner) {
    let Some(live) = p.observed.budget.budget.clone() else {
        return;
    };
    let name = live_name(p);
    if p.owns(&live.tags) {
        delete(p, &name, Phase::Access, "managed by this stack");
    } else {
        p.keep(KIND, &name, "not managed by this stack");
    }
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    let Some(b) = &d.budget else {
        return;
    };
    let live = o.budget.budget.as_ref().filter(|l| d.owns(&l.tags));
    let to = match &b.email {
        Some(e) => e.clone(),
        None => d
            .monitoring
            .alarm_topic_arn
            .clone()
            .or_else(|| o.monitoring.topic.as_ref().map(|t| t.arn.clone()))
            .unwrap_or_default(),
    };
    let output = live.map(|l| {
        let counts = if l.filters.contains_key("TagKeyValue") {
            "the stack's tag"
        } else {
            "Amazon Bedrock in the Region"
        };
        Output::new(KIND.id, &b.name, Some(&b.arn))
            .with("monthly_usd", &l.amount)
            .with("counts", counts)
            .with("alerts_to", &to)
    });
    out.found(&KIND, &b.name, output);
}

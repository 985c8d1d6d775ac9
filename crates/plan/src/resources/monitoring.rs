//! Monitoring (`[monitoring]`): the stack's CloudWatch dashboard (per profile: invocations,
//! input and output tokens, latency, throttles and errors, from Bedrock's `AWS/Bedrock`
//! metrics), alarms on failed invocation-log delivery and on throttling, and where alarms go:
//! an SNS topic the stack makes with an email subscription (`alarm_email`), or the user's
//! topic (`alarm_topic_arn`). Dashboards and topics are named for the stack and region; alarms
//! and topics are tagged. Every part planned, drifted and destroyed like every resource. The
//! stack's topic records the address it subscribed in a tag ([`ALARM_EMAIL_TAG`]): when the
//! address changes, the former one is unsubscribed, and no other subscription is touched.
//!
//! Bedrock publishes its runtime metrics with the dimension `ModelId`; whether it holds an
//! application profile's id or its ARN is not documented, so each widget and alarm reads both
//! (a metric that does not exist adds nothing).

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::refs::ArnRef;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{Inputs, KindPlanner};
use crate::resources::inference_profile;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

mod alarms;
mod dashboard;
use alarms::alarms;
mod topic;
pub use dashboard::{resolve_body, Dashboard, Watched};
pub use topic::tag_form;
use topic::{delete_topic, topic_tags};

pub const KIND: Kind = Kind {
    id: "monitoring",
    label: "monitoring",
    spec_key: "[monitoring]",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

pub const NAMESPACE: &str = "AWS/Bedrock";

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Desired {
    /// `librechat-bedrock-<stack>-<region>`: the dashboard's, the alarms' and the topic's
    /// names start with it.
    pub prefix: String,
    pub dashboard: bool,
    pub alarm_email: Option<String>,
    pub alarm_topic_arn: Option<String>,
    /// Which delivery-failure alarms apply: the destinations logging has.
    pub cloudwatch_delivery: bool,
    pub s3_delivery: bool,
    pub region: String,
    /// Whether the budget's alerts go to the stack's topic (`[cost.budget]` without
    /// alert_email): its policy lets AWS Budgets publish.
    pub budget_alerts: bool,
}

pub fn desired(i: &Inputs) -> Desired {
    let m = &i.spec.monitoring;
    let logging = &i.spec.logging;
    Desired {
        prefix: format!(
            "librechat-bedrock-{}-{}",
            i.spec.stack.name, i.spec.stack.region
        ),
        dashboard: m.dashboard,
        alarm_email: m.alarm_email.clone(),
        alarm_topic_arn: m.alarm_topic_arn.clone(),
        cloudwatch_delivery: logging.managed && logging.to_cloudwatch(),
        s3_delivery: logging.managed && logging.to_s3(),
        region: i.spec.stack.region.clone(),
        budget_alerts: m.alarm_email.is_some()
            && i.spec
                .cost
                .budget
                .as_ref()
                .is_some_and(|b| b.alert_email.is_none()),
    }
}

impl Desired {
    pub fn dashboard_name(&self) -> String {
        self.prefix.clone()
    }

    pub fn topic_name(&self) -> String {
        format!("{}-alarms", self.prefix)
    }

    fn alarms(&self) -> bool {
        self.alarm_email.is_some() || self.alarm_topic_arn.is_some()
    }
}

/// A profile's metric queries: its `ModelId` as an id and as an ARN.
pub(super) fn model_ids(arn: &str) -> [String; 2] {
    let id = arn.rsplit('/').next().unwrap_or(arn).to_string();
    [id, arn.to_string()]
}

/// An alarm as PutMetricAlarm takes it: one metric, or the sum of a profile's two forms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    pub name: String,
    pub description: String,
    pub metric: String,
    /// For a profile's alarm, the profile: its ARN's two `ModelId` forms are summed.
    pub profile: Option<ArnRef>,
    pub period: u32,
    pub evaluation_periods: u32,
    pub datapoints: u32,
    pub threshold: f64,
    /// Where the alarm goes: the stack's topic (made by this apply, perhaps) or the user's.
    pub topic: ArnRef,
}

/// What an alarm is, as compared with the live one (profile and topic resolved).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct AlarmState {
    pub metric: String,
    /// The `ModelId` values it reads (none for the delivery metrics).
    pub model_ids: Vec<String>,
    pub period: u32,
    pub evaluation_periods: u32,
    pub datapoints: u32,
    pub threshold: f64,
    pub actions: Vec<String>,
}

impl Alarm {
    pub fn state(
        &self,
        arn: &dyn Fn(&ArnRef) -> Result<String, String>,
    ) -> Result<AlarmState, String> {
        let model_ids = match &self.profile {
            Some(p) => model_ids(&arn(p)?).to_vec(),
            None => Vec::new(),
        };
        Ok(AlarmState {
            metric: self.metric.clone(),
            model_ids,
            period: self.period,
            evaluation_periods: self.evaluation_periods,
            datapoints: self.datapoints,
            threshold: self.threshold,
            actions: vec![arn(&self.topic)?],
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedAlarm {
    pub name: String,
    pub state: AlarmState,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedTopic {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    /// Its `email` subscriptions, pending confirmation or not.
    pub subscriptions: Vec<EmailSubscription>,
    /// Whether its policy holds the stack's statement for AWS Budgets
    /// (`budget::has_statement`).
    pub budgets_statement: bool,
}

/// An `email` subscription of the stack's topic.
///
/// AWS keeps an email subscription pending until its address confirms it from the mail AWS
/// sends (SNS API reference, Subscribe). A pending one is listed by ListSubscriptionsByTopic
/// with SubscriptionArn "PendingConfirmation", receives nothing, and cannot be
/// unsubscribed (InvalidParameter "Cannot unsubscribe a subscription that is pending
/// confirmation"); AWS deletes it once unconfirmed for 48 hours, or with its topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailSubscription {
    pub email: String,
    /// Its ARN once confirmed; None while pending confirmation.
    pub arn: Option<String>,
}

impl ObservedTopic {
    /// Whether `email` is subscribed, confirmed or pending: a pending subscription is the
    /// spec's as much as a confirmed one (subscribing again would only mail AWS's
    /// confirmation request once more).
    pub fn has(&self, email: &str) -> bool {
        self.subscriptions.iter().any(|s| s.email == email)
    }
}

/// The tag on the stack's topic that records the addresses the stack subscribed: the spec's
/// `alarm_email`, then any former one whose subscription is still pending confirmation
/// (AWS refuses to unsubscribe it yet), separated by spaces. Only these are ever
/// unsubscribed: a subscription someone added by hand is theirs.
pub const ALARM_EMAIL_TAG: &str = "alarm-email";

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Observed {
    /// The dashboard's body, when it exists.
    pub dashboard: Option<Value>,
    /// Every alarm whose name starts with the stack's prefix.
    pub alarms: Vec<ObservedAlarm>,
    /// The stack's topic, when it exists.
    pub topic: Option<ObservedTopic>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    PutDashboard {
        name: String,
        body: Dashboard,
    },
    DeleteDashboard {
        name: String,
    },
    CreateTopic {
        name: String,
        tags: BTreeMap<String, String>,
    },
    Subscribe {
        topic: ArnRef,
        email: String,
    },
    /// A confirmed subscription of an address the spec no longer names.
    Unsubscribe {
        arn: String,
        email: String,
    },
    DeleteTopic {
        arn: String,
    },
    /// The topic's policy with (`allow`) or without the statement that lets AWS Budgets
    /// publish the budget's alerts (`budget::with_budgets`); the rest of it as it is.
    BudgetsAccess {
        topic: ArnRef,
        account: String,
        allow: bool,
    },
    PutAlarm {
        alarm: Alarm,
        tags: BTreeMap<String, String>,
    },
    DeleteAlarms {
        names: Vec<String>,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::PutDashboard { name, .. } => format!("put dashboard {name}"),
            Step::DeleteDashboard { name } => format!("delete dashboard {name}"),
            Step::CreateTopic { name, .. } => format!("create SNS topic {name}"),
            Step::Subscribe { email, .. } => format!("subscribe {email} to the alarms"),
            Step::Unsubscribe { email, .. } => format!("unsubscribe {email} from the alarms"),
            Step::DeleteTopic { arn } => format!("delete SNS topic {arn}"),
            Step::BudgetsAccess { topic, allow, .. } => format!(
                "{} AWS Budgets to publish to SNS topic {}",
                if *allow { "allow" } else { "no longer allow" },
                match topic {
                    ArnRef::Known(arn) => arn.as_str(),
                    ArnRef::Created { name, .. } => name.as_str(),
                }
            ),
            Step::PutAlarm { alarm, .. } => format!("put alarm {}", alarm.name),
            Step::DeleteAlarms { names } => format!("delete alarms {}", names.join(", ")),
        }
    }
}

/// The topic's ARN once this plan is applied.
pub(crate) fn topic_after(p: &Planner) -> Option<ArnRef> {
    let d = &p.desired.monitoring;
    if let Some(arn) = &d.alarm_topic_arn {
        return Some(ArnRef::Known(arn.clone()));
    }
    d.alarm_email.as_ref()?;
    Some(match &p.observed.monitoring.topic {
        Some(t) => ArnRef::Known(t.arn.clone()),
        None => ArnRef::created(KIND, &d.topic_name()),
    })
}

fn plan(p: &mut Planner) {
    let d = p.desired.monitoring.clone();
    let o = p.observed.monitoring.clone();
    let tags = p.desired.managed_tags.clone();
    let topic = topic_after(p);

    // The stack's topic and its subscription.
    if let Some(email) = &d.alarm_email {
        let name = d.topic_name();
        match &o.topic {
            None => {
                let steps = vec![Chain {
                    phase: Phase::Settings,
                    steps: vec![
                        Step::CreateTopic {
                            name: name.clone(),
                            tags: topic_tags(&tags, email),
                        }
                        .into(),
                        Step::Subscribe {
                            topic: ArnRef::created(KIND, &name),
                            email: email.clone(),
                        }
                        .into(),
                    ]
                    .into_iter()
                    .chain(d.budget_alerts.then(|| {
                        Step::BudgetsAccess {
                            topic: ArnRef::created(KIND, &name),
                            account: p.observed.account_id.clone(),
                            allow: true,
                        }
                        .into()
                    }))
                    .collect(),
                }];
                p.push(
                    KIND,
                    &format!("topic {name}"),
                    Action::Create,
                    format!("alarms go to {email} through it (the address confirms the subscription from the mail AWS sends)"),
                    [FieldDiff::new("subscription", Value::Null, json!(email))]
                        .into_iter()
                        .chain(d.budget_alerts.then(|| {
                            FieldDiff::new("AWS Budgets", Value::Null, json!("may publish"))
                        }))
                        .collect(),
                    steps,
                );
            }
            Some(t) => {
                if !topic::existing(p, t, email, &name) {
                    return;
                }
                topic::budgets_access(p, &d, t);
            }
        }
    } else if let Some(t) = o.topic.clone().filter(|t| p.owns(&t.tags)) {
        delete_topic(
            p,
            &d,
            &t,
            Phase::Retire,
            "no longer in the spec ([monitoring] alarm_email)",
        );
    }

    // The dashboard.
    let name = d.dashboard_name();
    if d.dashboard {
        let profiles: Vec<Watched> = inference_profile::arns_after(p)
            .into_iter()
            .filter_map(|(profile, arn)| {
                arn.map(|arn| Watched {
                    name: profile.name,
                    arn,
                })
            })
            .collect();
        let body = Dashboard {
            region: d.region.clone(),
            profiles,
        };
        let known = body
            .is_known()
            .then(|| body.body(&|r| Ok(r.shown())))
            .and_then(Result::ok);
        if known.is_some() && known == o.dashboard {
            p.push(
                KIND,
                &format!("dashboard {name}"),
                Action::NoOp,
                "as specified",
                vec![],
                vec![],
            );
        } else {
            let shown = body.body(&|r| Ok(r.shown())).unwrap_or(Value::Null);
            let profiles: Vec<&str> = body.profiles.iter().map(|w| w.name.as_str()).collect();
            let (action, reason) = match &o.dashboard {
                None => (Action::Create, "does not exist".to_string()),
                Some(_) => (
                    Action::Update,
                    "its widgets differ from the stack's profiles".to_string(),
                ),
            };
            let lines = match &o.dashboard {
                Some(before) => crate::policy_doc::diff_lines(before, &shown),
                None => Vec::new(),
            };
            p.push(
                KIND,
                &format!("dashboard {name}"),
                action,
                reason,
                vec![FieldDiff {
                    lines,
                    ..FieldDiff::new("profiles", Value::Null, json!(profiles))
                }],
                vec![Chain::one(
                    Phase::Access,
                    Step::PutDashboard {
                        name: name.clone(),
                        body,
                    },
                )],
            );
        }
    } else if o.dashboard.is_some() {
        p.delete(
            KIND,
            &format!("dashboard {name}"),
            "no longer in the spec ([monitoring] dashboard)",
            vec![],
            vec![Chain::one(Phase::Retire, Step::DeleteDashboard { name })],
        );
    }

    // The alarms.
    let wanted = match &topic {
        Some(topic) if d.alarms() => alarms(p, topic),
        _ => Vec::new(),
    };
    let resolve = |r: &ArnRef| -> Result<String, String> { Ok(r.shown()) };
    for alarm in &wanted {
        let name = format!("alarm {}", alarm.name);
        let live = o.alarms.iter().find(|a| a.name == alarm.name);
        let desired_state = alarm.state(&resolve).unwrap_or_default();
        let put = vec![Chain::one(
            Phase::Access,
            Step::PutAlarm {
                alarm: alarm.clone(),
                tags: tags.clone(),
            },
        )];
        match live {
            None => p.push(
                KIND,
                &name,
                Action::Create,
                "does not exist",
                vec![FieldDiff::new("metric", Value::Null, json!(alarm.metric))],
                put,
            ),
            Some(l) => {
                if !p.owns(&l.tags) && !p.foreign(KIND, &name, &l.tags) {
                    continue;
                }
                if l.state == desired_state {
                    p.push(KIND, &name, Action::NoOp, "as specified", vec![], vec![]);
                } else {
                    let before = serde_json::to_value(&l.state).unwrap_or(Value::Null);
                    let after = serde_json::to_value(&desired_state).unwrap_or(Value::Null);
                    p.push(
                        KIND,
                        &name,
                        Action::Update,
                        "differs from the spec",
                        FieldDiff::members("alarm", &before, &after),
                        put,
                    );
                }
            }
        }
    }
    let stale: Vec<String> = o
        .alarms
        .iter()
        .filter(|a| p.owns(&a.tags) && !wanted.iter().any(|w| w.name == a.name))
        .map(|a| a.name.clone())
        .collect();
    if !stale.is_empty() {
        p.delete(
            KIND,
            &format!("alarms {}", stale.join(", ")),
            "no longer in the spec ([monitoring], or a removed profile)",
            vec![],
            vec![Chain::one(
                Phase::Retire,
                Step::DeleteAlarms { names: stale },
            )],
        );
    }
}

fn destroy(p: &mut Planner) {
    let d = p.desired.monitoring.clone();
    let o = p.observed.monitoring.clone();
    let owned: Vec<String> = o
        .alarms
        .iter()
        .filter(|a| p.owns(&a.tags))
        .map(|a| a.name.clone())
        .collect();
    if !owned.is_empty() {
        p.delete(
            KIND,
            &format!("alarms {}", owned.join(", ")),
            "managed by this stack",
            vec![],
            vec![Chain::one(
                Phase::Access,
                Step::DeleteAlarms { names: owned },
            )],
        );
    }
    // A dashboard cannot be tagged: the one of the stack's name is the stack's.
    if o.dashboard.is_some() {
        let name = d.dashboard_name();
        p.delete(
            KIND,
            &format!("dashboard {name}"),
            "the stack's (named for it)",
            vec![],
            vec![Chain::one(Phase::Access, Step::DeleteDashboard { name })],
        );
    }
    if let Some(t) = o.topic.filter(|t| p.owns(&t.tags)) {
        delete_topic(p, &d, &t, Phase::Settings, "managed by this stack");
    }
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    let m = &d.monitoring;
    let partition = d.log_group.arn.split(':').nth(1).unwrap_or("aws");
    if m.dashboard {
        let name = m.dashboard_name();
        let arn = format!(
            "arn:{partition}:cloudwatch::{}:dashboard/{name}",
            d.account_id
        );
        let output = o
            .monitoring
            .dashboard
            .as_ref()
            .map(|_| Output::new("dashboard", &name, Some(&arn)));
        out.found(&KIND, &name, output);
    }
    for alarm in o.monitoring.alarms.iter().filter(|a| d.owns(&a.tags)) {
        let arn = format!(
            "arn:{partition}:cloudwatch:{}:{}:alarm:{}",
            d.region, d.account_id, alarm.name
        );
        out.resources
            .push(Output::new("alarm", &alarm.name, Some(&arn)));
    }
    if m.alarm_email.is_some() {
        let name = m.topic_name();
        let live = o.monitoring.topic.as_ref().filter(|t| d.owns(&t.tags));
        let output = live.map(|t| Output::new("alarm_topic", &name, Some(&t.arn)));
        out.found(&KIND, &name, output);
    } else if let Some(arn) = &m.alarm_topic_arn {
        out.resources.push(
            Output::new(
                "alarm_topic",
                arn.rsplit(':').next().unwrap_or(arn),
                Some(arn),
            )
            .with("owner", "yours ([monitoring] alarm_topic_arn)"),
        );
    }
}

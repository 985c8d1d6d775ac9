//! Quota increases (`[[quotas.increase]]`): for a profile, the values to ask AWS for the
//! Service Quotas that bound its model on its routing (on-demand, cross-region or global):
//! tokens and requests per minute. They are found by name (`quota_names`), as `plan` shows
//! them. A value the account has already is granted (nothing to do); one AWS is deciding is
//! pending while its request is open (`PENDING`, `CASE_OPENED`), and never asked again
//! then; otherwise `apply` asks (`RequestServiceQuotaIncrease`). AWS decides, in minutes or
//! days; a denied or closed request is asked again by the next `apply`, and the plan says so.
//! An increase cannot be taken back: removing the entry, and `destroy`, leave the account's
//! quotas and requests as they are.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::plan::Planner;
use crate::quota_names::{bounds_of, LiveQuota, Metric, ModelNames};
use crate::registry::{Inputs, KindPlanner};
use serde::Serialize;
use serde_json::json;

pub const KIND: Kind = Kind {
    id: "quota_increase",
    label: "quota increase",
    spec_key: "[[quotas.increase]]",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs: crate::outputs::none,
};

/// One value asked for a profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wanted {
    pub profile: String,
    /// What the profile copies (`us.anthropic...`): its routing and model.
    pub copies: String,
    pub metric: Metric,
    pub value: f64,
}

pub type Desired = Vec<Wanted>;

pub fn desired(i: &Inputs) -> Desired {
    let mut out = Vec::new();
    for q in &i.spec.quotas.increase {
        let Some(p) = i.spec.profiles.iter().find(|p| p.name == q.profile) else {
            continue;
        };
        for (metric, value) in [
            (Metric::TokensPerMinute, q.tokens_per_minute),
            (Metric::RequestsPerMinute, q.requests_per_minute),
        ] {
            if let Some(value) = value {
                out.push(Wanted {
                    profile: q.profile.clone(),
                    copies: p.model.clone(),
                    metric,
                    value: value as f64,
                });
            }
        }
    }
    out
}

/// A request for a quota that AWS has not decided yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenRequest {
    pub id: String,
    pub code: String,
    pub value: f64,
    /// `PENDING` or `CASE_OPENED`.
    pub status: String,
    /// When it was made (RFC 3339), when AWS says.
    pub created: Option<String>,
}

/// The last request AWS decided against, for a quota with no open one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedRequest {
    pub code: String,
    pub value: f64,
    /// `DENIED`, `CASE_CLOSED`, `NOT_APPROVED`, `INVALID_REQUEST`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Observed {
    /// Bedrock's quotas in the region, with the account's values (read only when the spec
    /// asks for an increase).
    pub quotas: Vec<LiveQuota>,
    pub models: Vec<ModelNames>,
    pub open: Vec<OpenRequest>,
    pub closed: Vec<ClosedRequest>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    /// RequestServiceQuotaIncrease.
    RequestIncrease {
        code: String,
        name: String,
        value: f64,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::RequestIncrease { code, name, value } => {
                format!("ask AWS to raise {name} ({code}) to {}", count(*value))
            }
        }
    }
}

/// 400000 as "400,000".
fn count(n: f64) -> String {
    crate::render::thousands(n.max(0.0).round() as u64)
}

/// The key of the spec that asks for `metric`.
fn key(metric: Metric) -> &'static str {
    match metric {
        Metric::TokensPerMinute => "tokens_per_minute",
        _ => "requests_per_minute",
    }
}

/// What to change in the spec so that it stops asking for `w`: its key, or the whole entry
/// when it asks for nothing else.
fn remove(wanted: &[Wanted], w: &Wanted) -> String {
    if wanted.iter().filter(|o| o.profile == w.profile).count() > 1 {
        format!(
            "remove {} from the [[quotas.increase]] of {}",
            key(w.metric),
            w.profile
        )
    } else {
        format!("remove the [[quotas.increase]] of {}", w.profile)
    }
}

/// AWS decided against a request (`DENIED`, `NOT_APPROVED`): the same value is not asked
/// again by itself.
fn refused(status: &str) -> bool {
    matches!(status, "DENIED" | "NOT_APPROVED")
}

fn plan(p: &mut Planner) {
    let wanted = p.desired.quota_increases.clone();
    let o = p.observed.quota_increases.clone();
    for w in &wanted {
        let name = format!("{} of {}", w.metric.unit(), w.profile);
        let (routing, model, model_name, bounds) = bounds_of(&w.copies, &o.quotas, &o.models);
        let Some(bound) = bounds.iter().find(|b| b.metric == w.metric) else {
            let of = model_name.unwrap_or(model);
            // Not asked, said each time; the rest of the stack is planned as ever.
            p.warnings.push(format!(
                "quota increase {name}: Service Quotas lists no {} quota of {of} for its {} routing in {}, so nothing is asked: {}, or look the quota up in the Service Quotas console (Amazon Bedrock)",
                w.metric.unit(),
                routing.shown(),
                p.desired.region,
                remove(&wanted, w)
            ));
            continue;
        };
        if bound.value >= w.value {
            p.push(
                KIND,
                &name,
                Action::NoOp,
                format!(
                    "granted: {} ({}) is {} in this account",
                    bound.name,
                    bound.code,
                    count(bound.value)
                ),
                vec![],
                vec![],
            );
            continue;
        }
        if let Some(open) = o.open.iter().find(|r| r.code == bound.code) {
            let since = open
                .created
                .as_deref()
                .map(|c| format!(" since {c}"))
                .unwrap_or_default();
            let then = if open.value == w.value {
                String::new()
            } else if w.value > open.value {
                format!(
                    "; the spec's {} is asked once AWS has decided this one",
                    count(w.value)
                )
            } else {
                format!(
                    "; the spec's {} is asked if AWS does not grant this one",
                    count(w.value)
                )
            };
            p.keep(
                KIND,
                &name,
                format!(
                    "pending: request {} ({}) asks AWS to raise {} ({}) from {} to {}{since}; AWS decides, and it is never asked again while open{then}",
                    open.id,
                    open.status,
                    bound.name,
                    bound.code,
                    count(bound.value),
                    count(open.value)
                ),
            );
            continue;
        }
        if !bound.adjustable {
            p.warnings.push(format!(
                "quota increase {name}: {} ({}) is not adjustable in Service Quotas, so nothing is asked: ask AWS Support to raise it, and {}",
                bound.name,
                bound.code,
                remove(&wanted, w)
            ));
            continue;
        }
        let last = o.closed.iter().find(|r| r.code == bound.code);
        if let Some(r) = last.filter(|r| refused(&r.status) && r.value == w.value) {
            p.keep(
                KIND,
                &name,
                format!(
                    "AWS answered {} to the request for {} of {} ({}): the same value is not asked again by itself; change {} in the [[quotas.increase]] of {} to ask for another, or ask AWS Support",
                    r.status,
                    count(r.value),
                    bound.name,
                    bound.code,
                    key(w.metric),
                    w.profile
                ),
            );
            continue;
        }
        let before = last
            .map(|r| {
                format!(
                    "; AWS's last answer to a request for {} was {}",
                    count(r.value),
                    r.status
                )
            })
            .unwrap_or_default();
        p.push(
            KIND,
            &name,
            Action::Update,
            format!(
                "{} ({}) is {} in this account: AWS is asked for {} (a request, pending until AWS decides){before}",
                bound.name,
                bound.code,
                count(bound.value),
                count(w.value)
            ),
            vec![FieldDiff::new(
                w.metric.unit(),
                json!(count(bound.value)),
                json!(count(w.value)),
            )],
            vec![Chain::one(
                Phase::Settings,
                Step::RequestIncrease {
                    code: bound.code.clone(),
                    name: bound.name.clone(),
                    value: w.value,
                },
            )],
        );
    }
}

fn destroy(p: &mut Planner) {
    for w in p.desired.quota_increases.clone() {
        p.keep(
            KIND,
            &format!("{} of {}", w.metric.unit(), w.profile),
            "quotas are the account's: an increase cannot be taken back, and destroy leaves them and their requests",
        );
    }
}

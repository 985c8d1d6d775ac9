//! The stack's CloudWatch dashboard: its body, a panel row per profile, each metric searched
//! under both forms of the profile's `ModelId`.

use super::{model_ids, NAMESPACE};
use crate::refs::{ArnRef, Outputs};
use serde::Serialize;
use serde_json::{json, Value};

/// A profile as the dashboard and alarms name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Watched {
    pub name: String,
    pub arn: ArnRef,
}

/// The dashboard's body, over profiles some of which apply may make.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub region: String,
    pub profiles: Vec<Watched>,
}

/// A SEARCH over one metric of one profile, either form of its `ModelId`.
fn search(metric: &str, stat: &str, arn: &str) -> String {
    let [id, arn] = model_ids(arn);
    format!(
        "SEARCH('{{{NAMESPACE},ModelId}} MetricName=\"{metric}\" (ModelId=\"{id}\" OR ModelId=\"{arn}\")', '{stat}', 300)"
    )
}

impl Dashboard {
    /// The body, with each profile's ARN as `arn` gives it.
    pub fn body(&self, arn: &dyn Fn(&ArnRef) -> Result<String, String>) -> Result<Value, String> {
        let panels = [
            ("Invocations", &["Invocations"][..], "Sum"),
            (
                "Tokens",
                &["InputTokenCount", "OutputTokenCount"][..],
                "Sum",
            ),
            ("Latency (ms)", &["InvocationLatency"][..], "Average"),
            (
                "Throttles and errors",
                &[
                    "InvocationThrottles",
                    "InvocationClientErrors",
                    "InvocationServerErrors",
                ][..],
                "Sum",
            ),
        ];
        let mut widgets = Vec::new();
        for (row, p) in self.profiles.iter().enumerate() {
            let profile_arn = arn(&p.arn)?;
            for (col, (title, metrics, stat)) in panels.iter().enumerate() {
                let queries: Vec<Value> = metrics
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        json!({ "expression": search(m, stat, &profile_arn), "id": format!("q{i}"), "label": m })
                    })
                    .collect();
                widgets.push(json!({
                    "type": "metric",
                    "x": col * 6, "y": row * 6, "width": 6, "height": 6,
                    "properties": {
                        "title": format!("{}: {title}", p.name),
                        "region": self.region,
                        "view": "timeSeries",
                        "stat": stat,
                        "period": 300,
                        "metrics": queries.iter().map(|q| json!([q])).collect::<Vec<_>>(),
                    }
                }));
            }
        }
        Ok(json!({ "widgets": widgets }))
    }

    pub fn is_known(&self) -> bool {
        self.profiles
            .iter()
            .all(|p| matches!(p.arn, ArnRef::Known(_)))
    }
}

/// The ARN references of a step resolved: the dashboard's body, an alarm's definition.
pub fn resolve_body(body: &Dashboard, outputs: &Outputs) -> Result<Value, String> {
    body.body(&|r| outputs.resolve(r).map_err(|e| e.to_string()))
}

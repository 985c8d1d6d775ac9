//! The CloudWatch Logs group Bedrock writes invocation records to. It holds data: destroy
//! keeps it unless `--delete-data`.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::{value_of, Planner};
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
use crate::registry::{Inputs, KindPlanner};
use crate::tagging::Tagged;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const KIND: Kind = Kind {
    id: "log_group",
    label: "log group",
    spec_key: "[logging] log_group",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desired {
    pub name: String,
    pub arn: String,
    pub retention_days: u32,
}

pub fn desired(i: &Inputs) -> Desired {
    let region = &i.spec.stack.region;
    let name = i.spec.logging.log_group.clone();
    Desired {
        arn: format!(
            "arn:{}:logs:{region}:{}:log-group:{name}",
            i.spec.partition(),
            i.account_id
        ),
        name,
        retention_days: i.spec.logging.retention_days,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub name: String,
    pub retention_days: Option<u32>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    CreateLogGroup {
        name: String,
        tags: BTreeMap<String, String>,
    },
    PutRetentionPolicy {
        name: String,
        days: u32,
    },
    /// Deletes every log event: data loss, only with --delete-data.
    DeleteLogGroup {
        name: String,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateLogGroup { name, .. } => format!("create log group {name}"),
            Step::PutRetentionPolicy { name, days } => {
                format!("set retention of {name} to {days} days")
            }
            Step::DeleteLogGroup { name } => format!("delete log group {name}"),
        }
    }
}

fn plan(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    let d = &p.desired.log_group;
    if !p.desired.logging_to_cloudwatch {
        // Records go to the bucket alone: no log group is made, and one made before keeps
        // its records until destroy --delete-data.
        if p.observed
            .log_group
            .as_ref()
            .is_some_and(|o| p.owns(&o.tags))
        {
            let name = d.name.clone();
            p.keep(
                KIND,
                &name,
                "holds the invocation logs from before; no longer a destination ([logging] destinations): `destroy --delete-data` deletes it",
            );
        }
        return;
    }
    p.keep(
        KIND,
        &d.name,
        "holds the invocation logs: `destroy` keeps it unless --delete-data",
    );
    let retention = Chain::one(
        Phase::Settings,
        Step::PutRetentionPolicy {
            name: d.name.clone(),
            days: d.retention_days,
        },
    );
    let Some(o) = &p.observed.log_group else {
        let create = Chain::one(
            Phase::Foundations,
            Step::CreateLogGroup {
                name: d.name.clone(),
                tags: p.desired.managed_tags.clone(),
            },
        );
        p.push(
            KIND,
            &d.name,
            Action::Create,
            "does not exist",
            vec![FieldDiff::new(
                "retention_days",
                Value::Null,
                value_of(&d.retention_days),
            )],
            vec![create, retention],
        );
        return;
    };
    let mut diffs = Vec::new();
    let mut steps = Vec::new();
    let tagged = Tagged::LogGroup { arn: d.arn.clone() };
    let Some(action) = p.ownership(KIND, &d.name, &o.tags, tagged, &mut diffs, &mut steps) else {
        return;
    };
    if o.retention_days != Some(d.retention_days) {
        diffs.push(FieldDiff::new(
            "retention_days",
            value_of(&o.retention_days),
            value_of(&d.retention_days),
        ));
        steps.push(retention);
    }
    p.settle(KIND, &d.name, action, "differs from the spec", diffs, steps);
}

fn destroy(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    let Some(o) = p.observed.log_group.clone() else {
        return;
    };
    let delete = Step::DeleteLogGroup {
        name: o.name.clone(),
    };
    p.destroy_data(
        KIND,
        &o.name,
        &o.tags,
        ("the invocation logs", "every log event in it"),
        delete.into(),
    );
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    if !d.logging_managed || !d.logging_to_cloudwatch {
        return;
    }
    let g = &d.log_group;
    let live = o.log_group.as_ref().filter(|l| d.owns(&l.tags));
    let output = live.map(|_| Output::new(KIND.id, &g.name, Some(&g.arn)));
    out.found(&KIND, &g.name, output);
}

//! Bedrock's model invocation logging configuration: one per account and region, untaggable.
//! It is this stack's only when it points at this stack's role or log group; destroy leaves
//! any other alone.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::plan::Planner;
use crate::registry::{Inputs, KindPlanner};
use serde::Serialize;
use serde_json::{json, Value};

pub const KIND: Kind = Kind {
    id: "logging_configuration",
    label: "logging configuration",
    spec_key: "[logging]",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
};

/// The parts of a logging configuration this tool manages, in one comparable shape: what the
/// spec asks for, and what AWS has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggingSettings {
    pub log_group: Option<String>,
    pub role_arn: Option<String>,
    pub large_data_bucket: Option<String>,
    pub large_data_key_prefix: Option<String>,
    /// An S3 destination of its own (not managed by this tool: the spec never sets one).
    pub s3_destination: Option<String>,
    pub text: bool,
    pub image: bool,
    pub embedding: bool,
    pub video: bool,
    pub audio: bool,
}

pub type Desired = LoggingSettings;
pub type Observed = LoggingSettings;

pub fn desired(i: &Inputs) -> Desired {
    let l = &i.spec.logging;
    let prefix = l.key_prefix.trim_end_matches('/');
    LoggingSettings {
        log_group: Some(l.log_group.clone()),
        role_arn: Some(crate::resources::logging_role::role_arn(i)),
        large_data_bucket: Some(i.spec.bucket_name(i.account_id)),
        large_data_key_prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
        s3_destination: None,
        text: l.text,
        image: l.image,
        embedding: l.embedding,
        video: l.video,
        audio: l.audio,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    PutLogging { settings: LoggingSettings },
    DeleteLogging,
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::PutLogging { .. } => "put the model invocation logging configuration".into(),
            Step::DeleteLogging => "delete the model invocation logging configuration".into(),
        }
    }
}

fn diffs(o: Option<&LoggingSettings>, d: &LoggingSettings) -> Vec<FieldDiff> {
    let before = o.map_or_else(|| json!({}), crate::plan::value_of);
    let after = crate::plan::value_of(d);
    let (Value::Object(b), Value::Object(a)) = (before.clone(), after.clone()) else {
        return vec![FieldDiff::new("configuration", before, after)];
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, v)| FieldDiff::new(k, b.get(k).cloned().unwrap_or(Value::Null), v.clone()))
        .collect()
}

fn plan(p: &mut Planner) {
    let d = &p.desired.logging;
    let name = p.desired.region.clone();
    let put = vec![Chain::one(
        Phase::Logging,
        Step::PutLogging {
            settings: d.clone(),
        },
    )];
    match &p.observed.logging {
        None => {
            let diffs = diffs(None, d);
            p.push(
                KIND,
                &name,
                Action::Create,
                "model invocation logging is off",
                diffs,
                put,
            );
        }
        Some(o) if o == d => p.push(KIND, &name, Action::NoOp, "as specified", vec![], vec![]),
        Some(o) => {
            let diffs = diffs(Some(o), d);
            let reason = if o.log_group != d.log_group || o.role_arn != d.role_arn {
                "points at other resources than this stack's"
            } else {
                "differs from the spec"
            };
            p.push(KIND, &name, Action::Update, reason, diffs, put);
        }
    }
}

fn destroy(p: &mut Planner) {
    let Some(o) = &p.observed.logging else {
        return;
    };
    let d = &p.desired.logging;
    let name = p.desired.region.clone();
    // The configuration is the account's: delete it only when it is this stack's.
    if o.role_arn == d.role_arn || o.log_group == d.log_group {
        p.delete(
            KIND,
            &name,
            "points at this stack's role and log group",
            vec![],
            vec![Chain::one(Phase::Logging, Step::DeleteLogging)],
        );
    } else {
        p.keep(KIND, &name, "points at resources of another stack");
    }
}

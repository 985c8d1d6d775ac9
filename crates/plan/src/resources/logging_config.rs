//! Bedrock's model invocation logging configuration: one per account and region, untaggable.
//! It is this stack's only when it points at this stack's role or log group; destroy leaves
//! any other alone.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::outputs::{Output, StackOutputs};
use crate::plan::Planner;
use crate::registry::{DesiredState as DesiredStack, ObservedState as ObservedStack};
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
    outputs,
};

/// The parts of a logging configuration this tool manages, in one comparable shape: what the
/// spec asks for, and what AWS has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct LoggingSettings {
    pub log_group: Option<String>,
    pub role_arn: Option<String>,
    pub large_data_bucket: Option<String>,
    pub large_data_key_prefix: Option<String>,
    /// The S3 destination: the stack's bucket when `[logging] destinations` has "s3".
    pub s3_destination: Option<String>,
    /// That S3 destination's key prefix.
    pub s3_destination_key_prefix: Option<String>,
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
    let s3_prefix = l.s3_prefix.trim_end_matches('/');
    let bucket = i.spec.bucket_name(i.account_id);
    let cloudwatch = l.to_cloudwatch();
    LoggingSettings {
        log_group: cloudwatch.then(|| l.log_group.clone()),
        role_arn: cloudwatch.then(|| crate::resources::logging_role::role_arn(i)),
        large_data_bucket: cloudwatch.then(|| bucket.clone()),
        large_data_key_prefix: (cloudwatch && !prefix.is_empty()).then(|| prefix.to_string()),
        s3_destination: l.to_s3().then(|| bucket.clone()),
        s3_destination_key_prefix: (l.to_s3() && !s3_prefix.is_empty())
            .then(|| s3_prefix.to_string()),
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

/// Whether a configuration is this stack's. It cannot be tagged: it is owned by what it
/// points at, this stack's role and its log group or bucket. Anything else was set by
/// someone else (often a security team, for the whole account) and is foreign.
fn is_ours(o: &LoggingSettings, p: &Planner) -> bool {
    let d = p.desired;
    let bucket = d.bucket.name.as_str();
    let large = o.large_data_bucket.as_deref() == Some(bucket);
    // The stack's role, or its role under the name the spec had before (tagged for it).
    let role = o.role_arn.as_deref() == Some(d.role.arn.as_str())
        || p.observed.logging_owner.as_deref() == Some(d.stack.as_str());
    let through_role = role && (o.log_group.as_deref() == Some(d.log_group.name.as_str()) || large);
    // S3 alone names no role: the stack's bucket as its destination is what makes it ours.
    let to_bucket = o.role_arn.is_none() && o.s3_destination.as_deref() == Some(bucket);
    through_role || to_bucket
}

/// The other stacks of this tool with profiles in the region: they rely on its logging.
fn other_stacks(p: &Planner) -> Vec<String> {
    let mut stacks: Vec<String> = p
        .observed
        .profiles
        .iter()
        .filter(|o| {
            o.tags.get(bedrock_spec::MANAGED_BY_TAG).map(String::as_str)
                == Some(bedrock_spec::MANAGED_BY_VALUE)
        })
        .filter_map(|o| o.tags.get(bedrock_spec::STACK_TAG))
        .filter(|s| **s != p.desired.stack)
        .cloned()
        .collect();
    stacks.sort();
    stacks.dedup();
    stacks
}

/// Where a configuration sends the records, for people.
fn destinations(o: &LoggingSettings) -> String {
    let mut parts = Vec::new();
    if o.log_group.is_some() || o.role_arn.is_some() {
        parts.push(format!(
            "log group {}",
            o.log_group.as_deref().unwrap_or("(none)")
        ));
        parts.push(format!(
            "role {}",
            o.role_arn.as_deref().unwrap_or("(none)")
        ));
    }
    if let Some(b) = &o.large_data_bucket {
        parts.push(format!("large-data bucket {b}"));
    }
    if let Some(b) = &o.s3_destination {
        parts.push(format!("S3 destination {b}"));
    }
    parts.join(", ")
}

fn plan(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    let d = p.desired.logging.clone();
    let name = p.desired.region.clone();
    let put = vec![Chain::one(
        Phase::Logging,
        Step::PutLogging {
            settings: d.clone(),
        },
    )];
    let Some(o) = p.observed.logging.clone() else {
        let diffs = diffs(None, &d);
        let reason = "model invocation logging is off";
        p.push(KIND, &name, Action::Create, reason, diffs, put);
        return;
    };
    if o == d {
        p.push(KIND, &name, Action::NoOp, "as specified", vec![], vec![]);
    } else if is_ours(&o, p) {
        let diffs = diffs(Some(&o), &d);
        p.push(
            KIND,
            &name,
            Action::Update,
            "differs from the spec",
            diffs,
            put,
        );
    } else if let Some(owner) = p
        .observed
        .logging_owner
        .clone()
        .filter(|owner| *owner != p.desired.stack)
    {
        p.problems.push(format!(
            "the model invocation logging configuration of {name} belongs to stack {owner}: it points at {}, whose role is tagged stack = {owner}; a stack never takes another's, not even with --adopt\n  help: set [logging] managed = false in this spec to leave invocation logging to stack {owner} (docs/spec.md, \"Two deployments in one account and region\")",
            destinations(&o)
        ));
    } else if p.options.adopt {
        // Every field it replaces is shown, the S3 destination included.
        let diffs = diffs(Some(&o), &d);
        let reason = "taken over with --adopt: the account's configuration is replaced";
        p.push(KIND, &name, Action::Adopt, reason, diffs, put);
    } else {
        let fix = p.options.suggest.command("plan --adopt");
        p.problems.push(format!(
            "the model invocation logging configuration of {name} is not this stack's: it points at {}; apply would replace it, and it is the account's (one per region)\n  help: leave it to whoever set it (often a security team) with [logging] managed = false in this spec, or replace it with this stack's with --adopt (`{fix}` shows every field it replaces)",
            destinations(&o)
        ));
    }
}

fn destroy(p: &mut Planner) {
    if !p.desired.logging_managed {
        return;
    }
    let Some(o) = p.observed.logging.clone() else {
        return;
    };
    let name = p.desired.region.clone();
    // The configuration is the account's: delete it only when it is this stack's.
    if is_ours(&o, p) {
        let others = other_stacks(p);
        let reason = if others.is_empty() {
            format!("this stack's: {}", destinations(&o))
        } else {
            format!(
                "this stack's ({}); WARNING: stack{} {} still ha{} profiles in {name}, whose invocations will no longer be logged",
                destinations(&o),
                if others.len() == 1 { "" } else { "s" },
                others.join(", "),
                if others.len() == 1 { "s" } else { "ve" }
            )
        };
        p.delete(
            KIND,
            &name,
            &reason,
            vec![],
            vec![Chain::one(Phase::Logging, Step::DeleteLogging)],
        );
    } else {
        let reason = format!("not this stack's: it points at {}", destinations(&o));
        p.keep(KIND, &name, reason);
    }
}

fn outputs(d: &DesiredStack, o: &ObservedStack, out: &mut StackOutputs) {
    if !d.logging_managed {
        return;
    }
    // The account's configuration is the stack's when it is what the spec asks for.
    let ours = o.logging.as_ref().filter(|l| {
        l.log_group == d.logging.log_group
            && l.role_arn == d.logging.role_arn
            && l.s3_destination == d.logging.s3_destination
    });
    let output = ours.map(|l| {
        let mut output = Output::new(KIND.id, &d.region, None);
        for (key, value) in [
            ("log_group", &l.log_group),
            ("role_arn", &l.role_arn),
            ("large_data_bucket", &l.large_data_bucket),
            ("s3_destination", &l.s3_destination),
        ] {
            if let Some(v) = value {
                output = output.with(key, v);
            }
        }
        output
    });
    out.found(&KIND, &d.region, output);
}

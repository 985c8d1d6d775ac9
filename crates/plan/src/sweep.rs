//! `sweep`: what a test run (or any run) left behind, across stacks. The AWS layer finds
//! every resource whose `stack` tag starts with a prefix ([`Leftover`]s); this module groups
//! them by stack, tells which stacks are too young to touch, and makes the plan that deletes
//! them with the kinds' own destroy steps, in the phases `destroy` uses (reversed: LibreChat's
//! role policies, alarms and dashboards, then profiles and guardrails, then the logging
//! configuration, then the alarm topic, then roles, log groups and buckets).

use crate::change::{Action, Chain, Change, Kept, Kind, Phase};
use crate::plan::{Mode, Plan, PLAN_FORMAT_VERSION};
use crate::registry::Step;
use crate::resources::{
    api_key, bucket, guardrail, inference_profile, librechat_role, log_group, logging_config,
    logging_role, monitoring,
};
use serde::Serialize;

/// What kind of resource a leftover is, with what deleting it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum What {
    InferenceProfile,
    Guardrail,
    /// A CloudWatch alarm.
    Alarm,
    /// A CloudWatch dashboard (untaggable: found by the name the tool gives it).
    Dashboard,
    /// The account's model invocation logging configuration, when it points at one of the
    /// stack's role, log group or bucket.
    LoggingConfiguration,
    /// The SNS topic of the alarms.
    Topic,
    /// An IAM role: it leaves its instance profiles (the one of its name, which the stack
    /// made for EC2, is deleted), its inline policies are deleted and its managed ones
    /// detached first.
    Role {
        inline: Vec<String>,
        attached: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        instance_profiles: Vec<String>,
    },
    /// An IAM user (LibreChat's API key user): its policies and keys go first.
    User {
        inline: Vec<String>,
        attached: Vec<String>,
    },
    LogGroup,
    Bucket,
    /// Tagged by this tool, of a type the sweep does not delete: listed, kept.
    Other,
}

impl What {
    /// How people read it.
    pub fn label(&self) -> &'static str {
        match self {
            What::InferenceProfile => "inference profile",
            What::Guardrail => "guardrail",
            What::Alarm => "alarm",
            What::Dashboard => "dashboard",
            What::LoggingConfiguration => "logging configuration",
            What::Topic => "SNS topic",
            What::Role { .. } => "IAM role",
            What::User { .. } => "IAM user",
            What::LogGroup => "log group",
            What::Bucket => "bucket",
            What::Other => "resource",
        }
    }

    /// The name in JSON documents.
    pub fn id(&self) -> &'static str {
        match self {
            What::InferenceProfile => "inference_profile",
            What::Guardrail => "guardrail",
            What::Alarm => "alarm",
            What::Dashboard => "dashboard",
            What::LoggingConfiguration => "logging_configuration",
            What::Topic => "topic",
            What::Role { .. } => "role",
            What::User { .. } => "user",
            What::LogGroup => "log_group",
            What::Bucket => "bucket",
            What::Other => "other",
        }
    }

    /// Whether it holds data (invocation logs, payloads): kept with `--keep-data`.
    pub fn holds_data(&self) -> bool {
        matches!(self, What::LogGroup | What::Bucket)
    }
}

/// One resource found for a stack of the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leftover {
    pub stack: String,
    pub what: What,
    /// Its name (the alarm's, the bucket's, the region for the logging configuration).
    pub name: String,
    pub arn: Option<String>,
    /// When it was made, in seconds since 1970 (for a dashboard or an alarm, when it was last
    /// configured: no earlier time is known); None when AWS does not say (an SNS topic).
    pub created: Option<u64>,
}

/// What to sweep and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepOptions {
    pub prefix: String,
    /// A stack with any resource younger than this (in seconds) is not swept.
    pub older_than: u64,
    pub keep_data: bool,
    /// Now, in seconds since 1970.
    pub now: u64,
}

/// One resource of a stack, as the sweep treats it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweptResource {
    pub kind: &'static str,
    #[serde(skip)]
    pub label: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Seconds since it was made (None: unknown).
    pub age_seconds: Option<u64>,
    /// `delete` or `keep`.
    pub action: &'static str,
    /// Why it is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
}

/// A stack of the prefix and its resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweptStack {
    pub stack: String,
    /// The age of its youngest resource whose age is known (None: none is).
    pub age_seconds: Option<u64>,
    /// Too young for `--older-than`: the sweep is refused.
    pub young: bool,
    pub resources: Vec<SweptResource>,
}

/// The sweep: every stack of the prefix, and the plan that deletes what is to go.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPlan {
    pub stacks: Vec<SweptStack>,
    #[serde(skip)]
    pub plan: Plan,
}

impl SweepPlan {
    /// The stacks too young to sweep.
    pub fn young(&self) -> impl Iterator<Item = &SweptStack> {
        self.stacks.iter().filter(|s| s.young)
    }

    /// How many resources the plan deletes.
    pub fn deletes(&self) -> usize {
        self.stacks
            .iter()
            .flat_map(|s| &s.resources)
            .filter(|r| r.action == "delete")
            .count()
    }
}

/// Group `found` by stack (each resource once, stacks and resources in name order), mark the
/// young stacks, and plan the deletion of every resource not kept.
pub fn plan_sweep(
    mut found: Vec<Leftover>,
    options: &SweepOptions,
    account_id: &str,
    region: &str,
) -> SweepPlan {
    found.retain(|l| l.stack.starts_with(&options.prefix));
    found.sort_by(|a, b| {
        (&a.stack, order(&a.what), &a.name).cmp(&(&b.stack, order(&b.what), &b.name))
    });
    found.dedup_by(|a, b| a.stack == b.stack && a.what.id() == b.what.id() && a.name == b.name);
    let mut stacks: Vec<SweptStack> = Vec::new();
    let mut changes = Vec::new();
    let mut kept = Vec::new();
    for l in &found {
        let age = l.created.map(|c| options.now.saturating_sub(c));
        let keep = if l.what == What::Other {
            Some("not a kind sweep deletes: delete it by hand".to_string())
        } else if options.keep_data && l.what.holds_data() {
            Some("holds data: kept with --keep-data".to_string())
        } else {
            None
        };
        let resource = SweptResource {
            kind: l.what.id(),
            label: l.what.label(),
            name: l.name.clone(),
            arn: l.arn.clone(),
            age_seconds: age,
            action: if keep.is_some() { "keep" } else { "delete" },
            kept: keep.clone(),
        };
        match stacks.last_mut() {
            Some(s) if s.stack == l.stack => s.resources.push(resource),
            _ => stacks.push(SweptStack {
                stack: l.stack.clone(),
                age_seconds: None,
                young: false,
                resources: vec![resource],
            }),
        }
        match (keep, deletion(l)) {
            (None, Some((kind, chain))) => changes.push(Change {
                kind,
                name: l.name.clone(),
                action: Action::Delete,
                reason: format!("tagged for stack {}", l.stack),
                diffs: vec![],
                steps: vec![chain],
            }),
            (why, _) => kept.push(Kept {
                kind: kind_of(&l.what),
                name: l.name.clone(),
                reason: why.unwrap_or_default(),
            }),
        }
    }
    for s in &mut stacks {
        s.age_seconds = s.resources.iter().filter_map(|r| r.age_seconds).min();
        // A stack whose resources tell no time cannot be shown to be old enough.
        s.young = options.older_than > 0 && s.age_seconds.is_none_or(|a| a < options.older_than);
    }
    SweepPlan {
        stacks,
        plan: Plan {
            format_version: PLAN_FORMAT_VERSION,
            mode: Mode::Destroy,
            stack: format!("{}*", options.prefix),
            account_id: account_id.to_string(),
            region: region.to_string(),
            changes,
            kept,
            other_regions: vec![],
            warnings: vec![],
        },
    }
}

/// The order a stack's resources are listed in: the order they are deleted in.
fn order(what: &What) -> u8 {
    match what {
        What::Alarm => 0,
        What::Dashboard => 1,
        What::InferenceProfile => 2,
        What::Guardrail => 3,
        What::LoggingConfiguration => 4,
        What::Topic => 5,
        What::Role { .. } => 6,
        What::User { .. } => 6,
        What::LogGroup => 7,
        What::Bucket => 8,
        What::Other => 9,
    }
}

fn kind_of(what: &What) -> Kind {
    match what {
        What::InferenceProfile => inference_profile::KIND,
        What::Guardrail => guardrail::KIND,
        What::Alarm | What::Dashboard | What::Topic | What::Other => monitoring::KIND,
        What::LoggingConfiguration => logging_config::KIND,
        What::Role { .. } => logging_role::KIND,
        What::User { .. } => api_key::KIND,
        What::LogGroup => log_group::KIND,
        What::Bucket => bucket::KIND,
    }
}

/// The kind's own destroy step, in the phase `destroy` gives it (phases run in reverse).
fn deletion(l: &Leftover) -> Option<(Kind, Chain)> {
    let name = l.name.clone();
    let arn = l.arn.clone().unwrap_or_default();
    let (phase, steps): (Phase, Vec<Step>) = match &l.what {
        What::Alarm => (
            Phase::Access,
            vec![monitoring::Step::DeleteAlarms { names: vec![name] }.into()],
        ),
        What::Dashboard => (
            Phase::Access,
            vec![monitoring::Step::DeleteDashboard { name }.into()],
        ),
        What::InferenceProfile => (
            Phase::Profiles,
            vec![inference_profile::Step::DeleteProfile { name, arn }.into()],
        ),
        What::Guardrail => (
            Phase::Profiles,
            vec![guardrail::Step::DeleteGuardrail { name, arn }.into()],
        ),
        What::LoggingConfiguration => (
            Phase::Logging,
            vec![logging_config::Step::DeleteLogging.into()],
        ),
        What::Topic => (
            Phase::Settings,
            vec![monitoring::Step::DeleteTopic { arn }.into()],
        ),
        // IAM deletes a role only once it holds no policy: its policies go first, in one
        // chain, as destroy deletes the logging role.
        What::Role {
            inline,
            attached,
            instance_profiles,
        } => {
            let role = || name.clone();
            let mut steps: Vec<Step> = Vec::new();
            for profile in instance_profiles {
                steps.push(
                    librechat_role::Step::RemoveRoleFromInstanceProfile {
                        profile: profile.clone(),
                        role: role(),
                    }
                    .into(),
                );
                if *profile == name {
                    steps.push(
                        librechat_role::Step::DeleteInstanceProfile {
                            name: profile.clone(),
                        }
                        .into(),
                    );
                }
            }
            steps.extend(logging_role::deletion_steps(&name, inline, attached));
            (Phase::Foundations, steps)
        }
        What::User { inline, attached } => (
            Phase::Foundations,
            api_key::deletion_steps(&name, inline, attached),
        ),
        What::LogGroup => (
            Phase::Foundations,
            vec![log_group::Step::DeleteLogGroup { name }.into()],
        ),
        What::Bucket => (
            Phase::Foundations,
            vec![bucket::Step::EmptyAndDeleteBucket { name }.into()],
        ),
        What::Other => return None,
    };
    Some((kind_of(&l.what), Chain { phase, steps }))
}

/// An age as people read it: `45s`, `12m`, `3h 5m`, `2d 4h`.
pub fn age_text(seconds: u64) -> String {
    let (d, h, m) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn left(stack: &str, what: What, name: &str, created: Option<u64>) -> Leftover {
        Leftover {
            stack: stack.into(),
            what,
            name: name.into(),
            arn: Some(format!("arn:{name}")),
            created,
        }
    }

    fn found() -> Vec<Leftover> {
        let role = What::Role {
            inline: vec!["cw".into(), "s3".into()],
            attached: vec!["arn:aws:iam::aws:policy/X".into()],
            instance_profiles: vec![],
        };
        vec![
            left("acc-a-1", What::Bucket, "bucket-a1", Some(1_000)),
            left("acc-a-1", role, "role-a1", Some(1_000)),
            left("acc-a-1", What::LoggingConfiguration, "us-east-1", None),
            left("acc-a-1", What::LogGroup, "/a1", Some(1_000)),
            left("acc-a-1", What::InferenceProfile, "p-a1", Some(1_100)),
            left("acc-a-2", What::Topic, "topic-a2", None),
            left("acc-a-2", What::Alarm, "alarm-a2", Some(1_200)),
            left("acc-a-2", What::Dashboard, "dash-a2", Some(1_200)),
            left("acc-a-2", What::Guardrail, "g-a2", Some(1_200)),
            left("acc-b-1", What::InferenceProfile, "p-b1", Some(1_000)),
        ]
    }

    fn options(older_than: u64, keep_data: bool) -> SweepOptions {
        SweepOptions {
            prefix: "acc-a-".into(),
            older_than,
            keep_data,
            now: 5_000,
        }
    }

    fn described(p: &SweepPlan) -> Vec<Vec<String>> {
        p.plan
            .phases()
            .into_iter()
            .map(|ph| {
                let mut steps: Vec<String> =
                    ph.chains.iter().flatten().map(Step::describe).collect();
                steps.sort();
                steps
            })
            .collect()
    }

    #[test]
    fn only_the_prefix_in_destroy_order() {
        let p = plan_sweep(found(), &options(0, false), "123456789012", "us-east-1");
        let stacks: Vec<&str> = p.stacks.iter().map(|s| s.stack.as_str()).collect();
        assert_eq!(stacks, ["acc-a-1", "acc-a-2"]);
        assert_eq!(p.deletes(), 9);
        assert!(p.young().next().is_none());
        let role = [
            "delete policy cw from role role-a1",
            "delete policy s3 from role role-a1",
            "detach arn:aws:iam::aws:policy/X from role role-a1",
            "delete role role-a1",
        ];
        let mut last = role.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        last.extend([
            "delete log group /a1".into(),
            "empty and delete bucket bucket-a1".into(),
        ]);
        last.sort();
        let mut expected = vec![
            vec![
                "delete alarms alarm-a2".to_string(),
                "delete dashboard dash-a2".into(),
            ],
            vec![
                "delete guardrail g-a2".into(),
                "delete inference profile p-a1".into(),
            ],
            vec!["delete the model invocation logging configuration".into()],
            vec!["delete SNS topic arn:topic-a2".into()],
            last,
        ];
        expected.iter_mut().for_each(|e| e.sort());
        assert_eq!(described(&p), expected);
        // The role's policies go before the role, in one chain.
        let chains: Vec<Vec<String>> = p
            .plan
            .phases()
            .into_iter()
            .flat_map(|ph| ph.chains)
            .map(|c| c.iter().map(Step::describe).collect())
            .collect();
        assert!(chains.contains(&role.iter().map(|s| s.to_string()).collect()));
    }

    #[test]
    fn a_stack_younger_than_the_limit_is_young() {
        // acc-a-1's youngest resource is 3,900 s old; acc-a-2's 3,800 s.
        let p = plan_sweep(found(), &options(3_850, false), "1", "us-east-1");
        let young: Vec<(&str, Option<u64>)> = p
            .young()
            .map(|s| (s.stack.as_str(), s.age_seconds))
            .collect();
        assert_eq!(young, [("acc-a-2", Some(3_800))]);
        // A stack of which nothing tells its age is young unless the limit is 0.
        let topic = vec![left("acc-a-3", What::Topic, "t", None)];
        assert!(plan_sweep(topic.clone(), &options(1, false), "1", "r").stacks[0].young);
        assert!(!plan_sweep(topic, &options(0, false), "1", "r").stacks[0].young);
    }

    #[test]
    fn keep_data_keeps_the_log_group_and_the_bucket() {
        let p = plan_sweep(found(), &options(0, true), "1", "us-east-1");
        assert_eq!(p.deletes(), 7);
        let kept: Vec<&str> = p.plan.kept.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(kept, ["/a1", "bucket-a1"]);
        let steps: Vec<String> = p
            .plan
            .phases()
            .into_iter()
            .flat_map(|ph| ph.chains)
            .flatten()
            .map(|s| s.describe())
            .collect();
        assert!(steps
            .iter()
            .all(|s| !s.contains("/a1") && !s.contains("bucket-a1")));
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(age_text(45), "45s");
        assert_eq!(age_text(720), "12m");
        assert_eq!(age_text(7200), "2h");
        assert_eq!(age_text(11_100), "3h 5m");
        assert_eq!(age_text(187_200), "2d 4h");
    }
}

//! The stack in other regions. Everything a stack manages lives in its spec's region except
//! the logging role: IAM is global, so one role can serve several regions, each of whose
//! invocation logging points at it. The role's documents (its trust, its policies) name the
//! regions it serves; observe reads those regions, and LibreChat's `available_regions`, for
//! their logging configuration and this stack's tagged resources there.
//!
//! The rules that follow: the role trusts, and may write to the destinations of, this
//! region and every other region whose logging uses it; apply adds this region and never
//! drops one that still uses the role; destroy drops this region only, and deletes the role
//! only when no other region uses it. So no apply or destroy leaves a region with logging
//! through a role that does not trust it. What else of the stack is found elsewhere is
//! reported and left alone: a plan acts on its own region.

use crate::plan::{Mode, Planner};
use crate::registry::DesiredState;
use crate::resources::logging_config::LoggingSettings;
use crate::resources::logging_role;
use serde::Serialize;

/// What observe found of this stack in another region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Elsewhere {
    pub region: String,
    /// Whether the logging role's documents name the region (it may serve it).
    pub named_by_role: bool,
    /// The region's model invocation logging configuration, if any.
    pub logging: Option<LoggingSettings>,
    /// The ARNs of the resources there tagged for this stack.
    pub resources: Vec<String>,
    /// Why the region could not be read, when it could not.
    pub unreadable: Option<String>,
}

impl Elsewhere {
    /// Whether the region's invocation logging goes through the role `arn`.
    pub fn logs_through(&self, arn: &str) -> bool {
        self.logging
            .as_ref()
            .is_some_and(|l| l.role_arn.as_deref() == Some(arn))
    }
}

/// The regions observe reads besides the stack's own: those the logging role's documents
/// name in a Bedrock or CloudWatch Logs ARN, and LibreChat's `available_regions`. With each,
/// whether the role names it.
pub fn candidates(
    desired: &DesiredState,
    role: Option<&logging_role::Observed>,
) -> Vec<(String, bool)> {
    let mut named = Vec::new();
    if let Some(role) = role {
        arn_regions(&role.trust, &mut named);
        for doc in role.inline.values() {
            arn_regions(doc, &mut named);
        }
    }
    let mut out: Vec<(String, bool)> = Vec::new();
    for region in named.iter().chain(&desired.other_regions) {
        if *region == desired.region || out.iter().any(|(r, _)| r == region) {
            continue;
        }
        out.push((region.clone(), named.contains(region)));
    }
    out.sort();
    out
}

/// The regions of every `arn:<partition>:bedrock:<region>:` and `arn:<partition>:logs:...`
/// string in a document.
fn arn_regions(doc: &serde_json::Value, out: &mut Vec<String>) {
    match doc {
        serde_json::Value::String(s) => {
            let parts: Vec<&str> = s.splitn(5, ':').collect();
            if let ["arn", _, "bedrock" | "logs", region, _] = parts.as_slice() {
                let plausible = !region.is_empty()
                    && region
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if plausible && !out.iter().any(|r| r == region) {
                    out.push(region.to_string());
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| arn_regions(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| arn_regions(v, out)),
        _ => {}
    }
}

/// The other regions whose invocation logging goes through this stack's role.
pub fn using_role<'a>(p: &'a Planner) -> impl Iterator<Item = &'a Elsewhere> {
    let arn = p.desired.role.arn.clone();
    p.observed
        .elsewhere
        .iter()
        .filter(move |e| p.desired.logging_managed && e.logs_through(&arn))
}

/// One other region in the plan: what of this stack is there and what the plan does about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OtherRegion {
    pub region: String,
    /// What was found, for people (`log group /x`, `2 inference profiles`).
    pub found: Vec<String>,
    /// Whether its invocation logging goes through this stack's role.
    pub uses_role: bool,
    pub note: String,
}

/// The other regions, for the plan; a role-named region that could not be read is a problem
/// (whether it still logs through the role decides the role's trust).
pub(crate) fn report(p: &mut Planner, mode: Mode) -> Vec<OtherRegion> {
    let (desired, observed) = (p.desired, p.observed);
    let role = desired.role.name.clone();
    let arn = desired.role.arn.clone();
    let mut out = Vec::new();
    for e in &observed.elsewhere {
        if let Some(why) = &e.unreadable {
            if e.named_by_role && desired.logging_managed {
                p.problems.push(format!(
                    "region {} could not be read: {why}; role {role} names it, and whether its invocation logging still goes through the role decides what the role must trust\n  help: let these credentials call bedrock:GetModelInvocationLoggingConfiguration and tag:GetResources in {}, then plan again",
                    e.region, e.region
                ));
            } else {
                out.push(OtherRegion {
                    region: e.region.clone(),
                    found: vec![],
                    uses_role: false,
                    note: format!("could not be read ({why}); nothing there is changed"),
                });
            }
            continue;
        }
        let uses_role = desired.logging_managed && e.logs_through(&arn);
        let mut found = Vec::new();
        if uses_role {
            found.push(format!("invocation logging through role {role}"));
        }
        // S3's index may list a bucket of this region under another: the stack's own bucket,
        // found here, is not reported there.
        let own_bucket = format!(
            "arn:{}:s3:::{}",
            desired.role.arn.split(':').nth(1).unwrap_or("aws"),
            desired.bucket.name
        );
        let here = matches!(
            observed.bucket,
            crate::resources::bucket::Observed::Present(_)
        );
        let resources: Vec<String> = e
            .resources
            .iter()
            .filter(|arn| !(here && **arn == own_bucket))
            .cloned()
            .collect();
        found.extend(describe(&resources));
        if found.is_empty() {
            continue;
        }
        let mut notes = Vec::new();
        if uses_role {
            notes.push(match mode {
                Mode::Apply => format!("role {role} keeps trusting {} and writing to its destinations", e.region),
                Mode::Destroy => format!("role {role} is kept for it, trusting only the regions that still log through it"),
            });
        }
        if !resources.is_empty() {
            notes.push(format!(
                "the rest is left alone (a plan acts on {} only); to remove it, run destroy with [stack] region = \"{}\"",
                desired.region, e.region
            ));
        }
        out.push(OtherRegion {
            region: e.region.clone(),
            found,
            uses_role,
            note: notes.join("; "),
        });
    }
    out
}

/// Tagged ARNs for people: log groups and buckets by name, inference profiles counted.
fn describe(arns: &[String]) -> Vec<String> {
    let (mut groups, mut buckets) = (Vec::new(), Vec::new());
    let (mut profiles, mut other) = (0, 0);
    for arn in arns {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            [_, _, "logs", _, _, resource] => {
                let name = resource.trim_start_matches("log-group:");
                groups.push(format!("log group {}", name.trim_end_matches(":*")));
            }
            [_, _, "s3", _, _, bucket] if !bucket.contains('/') => {
                buckets.push(format!("bucket {bucket}"));
            }
            [_, _, "bedrock", _, _, resource]
                if resource.starts_with("application-inference-profile/") =>
            {
                profiles += 1
            }
            _ => other += 1,
        }
    }
    groups.sort();
    buckets.sort();
    let mut out = groups;
    out.extend(buckets);
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    if profiles > 0 {
        out.push(count(profiles, "inference profile"));
    }
    if other > 0 {
        out.push(count(other, "other tagged resource"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_regions_a_role_names_are_read_from_its_arns() {
        let mut out = Vec::new();
        arn_regions(
            &json!({"Statement": [
                {"Condition": {"ArnLike": {"aws:SourceArn": ["arn:aws:bedrock:us-west-2:1:*", "arn:aws:bedrock:eu-west-1:1:*"]}}},
                {"Resource": "arn:aws:logs:us-west-2:1:log-group:/x:log-stream:y"},
                {"Resource": "arn:aws:s3:::bucket/*"},
                {"Resource": "arn:aws:bedrock:*:1:*"},
                {"Resource": "arn:aws:bedrock::1:x"}
            ]}),
            &mut out,
        );
        assert_eq!(out, ["us-west-2", "eu-west-1"]);
    }

    #[test]
    fn tagged_resources_read_as_names_and_counts() {
        let arns = [
            "arn:aws:logs:us-west-2:1:log-group:/aws/bedrock/x:*",
            "arn:aws:s3:::bedrock-logs-1",
            "arn:aws:bedrock:us-west-2:1:application-inference-profile/a",
            "arn:aws:bedrock:us-west-2:1:application-inference-profile/b",
            "arn:aws:sns:us-west-2:1:topic",
        ]
        .map(String::from);
        assert_eq!(
            describe(&arns),
            [
                "log group /aws/bedrock/x",
                "bucket bedrock-logs-1",
                "2 inference profiles",
                "1 other tagged resource"
            ]
        );
    }
}

//! What the plan tests share: the guide's spec, and accounts that are empty or converged.

#![allow(dead_code)]

use bedrock_plan::resources::inference_profile;
use bedrock_plan::*;

pub const ACCOUNT: &str = "123456789012";

pub fn spec(src: &str) -> bedrock_spec::Spec {
    bedrock_spec::check(src).spec.expect("valid spec")
}

pub fn root_spec() -> bedrock_spec::Spec {
    spec(include_str!("../../../../tests/fixtures/valid/guide.toml"))
}

pub fn desired_for(spec: &bedrock_spec::Spec) -> DesiredState {
    let values = bedrock_policy::Placeholders::for_spec(spec, ACCOUNT);
    let policies: Vec<_> = bedrock_policy::built_in_templates()
        .iter()
        .map(|t| bedrock_policy::render(t, &values).unwrap())
        .collect();
    DesiredState::new(spec, ACCOUNT, &policies)
        .with_role_templates(&bedrock_policy::built_in_templates(), &values)
}

pub fn desired() -> DesiredState {
    desired_for(&root_spec())
}

pub fn routes(d: &inference_profile::Desired) -> Vec<String> {
    if d.source_arn.contains(":inference-profile/") {
        ["us-east-1", "us-east-2", "us-west-2"]
            .iter()
            .map(|r| {
                format!(
                    "arn:aws:bedrock:{r}::foundation-model/{}",
                    d.model.split_once('.').unwrap().1
                )
            })
            .collect()
    } else {
        vec![d.source_arn.clone()]
    }
}

/// An account where nothing exists yet (but the sources the spec copies from).
pub fn empty(d: &DesiredState) -> ObservedState {
    ObservedState {
        account_id: ACCOUNT.into(),
        sources: d
            .profiles
            .iter()
            .map(|p| {
                (
                    p.source_arn.clone(),
                    SourceState::Routes { models: routes(p) },
                )
            })
            .collect(),
        ..ObservedState::default()
    }
}

/// An account exactly as the spec says.
pub fn converged(d: &DesiredState) -> ObservedState {
    let mut o = empty(d);
    o.log_group = Some(ObservedLogGroup {
        name: d.log_group.name.clone(),
        retention_days: Some(d.log_group.retention_days),
        tags: d.managed_tags.clone(),
    });
    o.bucket = BucketState::Present(ObservedBucket {
        tags: d.managed_tags.clone(),
        public_access_block: Some(PublicAccessBlock::ALL),
        encryption: Some("AES256".into()),
        ownership: Some("BucketOwnerEnforced".into()),
        policy: Some(d.bucket.policy.clone()),
        lifecycle: vec![LifecycleRule {
            id: LIFECYCLE_RULE_ID.into(),
            prefix: d.bucket.object_prefix.clone(),
            enabled: true,
            expiration_days: Some(d.bucket.expiration_days),
        }],
    });
    o.role = Some(ObservedRole {
        arn: d.role.arn.clone(),
        trust: d.role.trust.clone(),
        inline: d.role.inline.clone(),
        attached: vec![],
        tags: d.managed_tags.clone(),
    });
    o.logging = Some(d.logging.clone());
    o.profiles = d
        .profiles
        .iter()
        .enumerate()
        .map(|(i, p)| ObservedProfile {
            name: p.name.clone(),
            arn: format!(
                "arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/profile{i:07}"
            ),
            description: p.description.clone(),
            models: routes(p),
            status: "ACTIVE".into(),
            tags: p.tags.clone(),
        })
        .collect();
    o
}

pub fn show(plan: &Plan) -> String {
    let text = plan.to_string();
    assert_eq!(
        text,
        render_plan(plan, false),
        "Display is the plan without colour"
    );
    assert_eq!(
        render_plan(plan, true).contains("\x1b["),
        plan.has_changes(),
        "colour when asked for, on the changes"
    );
    text
}

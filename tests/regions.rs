//! A stack in more than one region, end to end: the logging role is global, so a stack moved
//! to another region shares it with the region it left. Apply and destroy in either region
//! keep every region's invocation logging working: calls made there are still logged.

use crate::stack;
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use stack::*;
use std::path::Path;

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const GROUP: &str = "/aws/bedrock/model-invocations";

/// The guide's spec in `region`, with a bucket name of its own per region (bucket names are
/// global, and Bedrock logs only to a bucket in its own region).
fn spec_in(region: &str) -> String {
    guide_spec()
        .replace("region = \"us-east-1\"", &format!("region = \"{region}\""))
        .replace(
            "\"bedrock-logs-{account_id}\"",
            "\"bedrock-logs-{account_id}-{region}\"",
        )
}

fn set_region(dir: &Path, region: &str) {
    std::fs::write(dir.join("bedrock.toml"), spec_in(region)).unwrap();
}

/// A call through the stack's first profile in `region`, and whether Bedrock logged it to
/// the region's log group.
fn a_call_is_logged(region: &str) -> bool {
    let c = clients(region);
    let profile = application_profiles(&c)
        .first()
        .map(|p| p.inference_profile_arn().to_string())
        .unwrap_or_else(|| panic!("no profile in {region}"));
    let count = || {
        rt().block_on(
            c.logs
                .get_log_events()
                .log_group_name(GROUP)
                .log_stream_name("aws/bedrock/modelinvocations")
                .send(),
        )
        .map(|out| out.events().len())
        .unwrap_or(0)
    };
    let before = count();
    let config = rt().block_on(bedrock_aws::sdk_config(&endpoint(), region));
    let runtime = aws_sdk_bedrockruntime::Client::new(&config);
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Hello".into()))
        .build()
        .unwrap();
    rt().block_on(
        runtime
            .converse()
            .model_id(&profile)
            .messages(message)
            .send(),
    )
    .unwrap_or_else(|e| panic!("converse in {region}: {e:?}"));
    count() > before
}

/// The logging role's trust policy, if the role exists.
fn role_trust() -> Option<String> {
    let c = clients(EAST);
    let role = rt()
        .block_on(c.iam.get_role().role_name("BedrockLoggingRole").send())
        .ok()?;
    role.role()
        .and_then(|r| r.assume_role_policy_document())
        .map(|d| bedrock_aws::decode_policy(d).to_string())
}

fn logging_role_of(region: &str) -> Option<String> {
    let c = clients(region);
    rt().block_on(
        c.bedrock
            .get_model_invocation_logging_configuration()
            .send(),
    )
    .unwrap()
    .logging_config()
    .and_then(|l| l.cloud_watch_config())
    .map(|cw| cw.role_arn().to_string())
}

/// Applied in us-east-1, then moved to us-west-2: both regions log through one role.
fn moved_to_the_west(dir: &Path) {
    set_region(dir, EAST);
    apply(dir);
    set_region(dir, WEST);
    let plan = run(dir, &["plan"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("This stack in other regions:")
            && plan.stdout.contains(&format!(
                "us-east-1: invocation logging through role BedrockLoggingRole, log group {GROUP}, bucket bedrock-logs-{ACCOUNT}-us-east-1, 3 inference profiles"
            ))
            && plan
                .stdout
                .contains("role BedrockLoggingRole keeps trusting us-east-1")
            && plan
                .stdout
                .contains("to remove it, run destroy with [stack] region = \"us-east-1\""),
        "{}",
        plan.stdout
    );
    apply(dir);
    let trust = role_trust().expect("the role exists");
    for region in [EAST, WEST] {
        assert!(
            trust.contains(&format!("arn:aws:bedrock:{region}:{ACCOUNT}:*")),
            "the role trusts {region}: {trust}"
        );
        assert!(a_call_is_logged(region), "{region} still logs");
    }
    // Converged in both regions (the generated files, written here for us-west-2, are the
    // one region's).
    assert_eq!(run(dir, &["drift"]).code, 0);
    set_region(dir, EAST);
    let drift = run(dir, &["drift"]);
    assert!(
        drift.stdout.contains("Drift: 0 resources and"),
        "{}",
        drift.stdout
    );
}

#[test]
fn a_stack_moved_to_another_region_keeps_the_first_one_logging_and_each_destroys_alone() {
    for first in [EAST, WEST] {
        let _turn = turn();
        let dir = project(None);
        moved_to_the_west(dir.path());
        let second = if first == EAST { WEST } else { EAST };

        // The first destroy leaves the role to the other region, trusting it alone.
        set_region(dir.path(), first);
        let r = run(dir.path(), &["destroy", "--yes"]);
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(&format!(
                "kept: the invocation logging of {second} goes through it; it stops trusting {first}"
            )),
            "{}",
            r.stdout
        );
        assert_eq!(logging_role_of(first), None, "{first}'s logging is gone");
        let trust = role_trust().expect("the role stays for the other region");
        assert!(
            trust.contains(&format!("arn:aws:bedrock:{second}:"))
                && !trust.contains(&format!("arn:aws:bedrock:{first}:")),
            "{trust}"
        );
        assert!(a_call_is_logged(second), "{second} still logs");
        assert!(application_profiles(&clients(first)).is_empty());

        // The second destroy, with no region left, deletes the role.
        set_region(dir.path(), second);
        let r = run(dir.path(), &["destroy", "--yes"]);
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        assert_eq!(
            role_trust(),
            None,
            "the role is gone once no region uses it"
        );
        assert_eq!(logging_role_of(second), None);
    }
}

#[test]
fn a_region_whose_logging_goes_elsewhere_is_dropped_from_the_role() {
    let _turn = turn();
    let dir = project(None);
    moved_to_the_west(dir.path());
    // Someone points us-east-1's logging at their own role: the stack's role need not
    // trust us-east-1 any more, and the next apply in us-west-2 drops it.
    logging_set_elsewhere(&clients(EAST), "/security/central", "SecurityLogging");
    set_region(dir.path(), WEST);
    let plan = run(dir.path(), &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        !plan.stdout.contains("invocation logging through role"),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    let trust = role_trust().unwrap();
    assert!(!trust.contains("arn:aws:bedrock:us-east-1:"), "{trust}");
    assert!(a_call_is_logged(WEST));
    // Its destroy deletes the role: no region logs through it.
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(role_trust(), None);
    assert_eq!(
        logging_role_of(EAST).as_deref(),
        Some(format!("arn:aws:iam::{ACCOUNT}:role/SecurityLogging").as_str()),
        "the security team's logging is untouched"
    );
}

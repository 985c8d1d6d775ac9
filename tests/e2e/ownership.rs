//! What a stack owns: the account guard, same-named resources that are not the stack's,
//! logging another team set, and several stacks sharing one account and region.

use super::*;

#[test]
fn the_account_guard_refuses_before_any_write() {
    let _turn = turn();
    let spec = guide_spec().replace(
        "# account_id = \"123456789012\"",
        "account_id = \"210987654321\"",
    );
    let dir = project(Some(&spec));
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "the credentials are for account 123456789012, but [stack] account_id is 210987654321"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(writes(&r), 0);
    assert!(application_profiles(&clients("us-east-1")).is_empty());
}

#[test]
fn a_same_named_foreign_resource_needs_adopt() {
    let _turn = turn();
    let dir = project(None);
    let c = clients("us-east-1");
    rt().block_on(
        c.logs
            .create_log_group()
            .log_group_name("/aws/bedrock/model-invocations")
            .send(),
    )
    .unwrap();
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("log group /aws/bedrock/model-invocations already exists and is not managed by this stack"), "{}", r.stderr);
    assert!(r.stderr.contains("--adopt"), "{}", r.stderr);
    assert_eq!(writes(&r), 0);
    let r = run(dir.path(), &["apply", "--yes", "--adopt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tags = rt()
        .block_on(
            c.logs
                .list_tags_for_resource()
                .resource_arn(format!(
                    "arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/bedrock/model-invocations"
                ))
                .send(),
        )
        .unwrap();
    assert_eq!(
        tags.tags().unwrap().get("stack").map(String::as_str),
        Some("librechat")
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
}

#[test]
fn a_second_stack_never_takes_the_first_one_s_resources() {
    let _turn = turn();
    let first = project(None);
    apply(first.path());
    let second = guide_spec().replace("name = \"librechat\"", "name = \"acme-chat\"");
    let second = project(Some(&second));
    for args in [&["plan"][..], &["apply", "--yes", "--adopt"]] {
        let r = refused(
            second.path(),
            args,
            &[
                "log group /aws/bedrock/model-invocations belongs to stack librechat",
                "change [logging] log_group in the spec",
                "role BedrockLoggingRole belongs to stack librechat",
                "change [logging] role_name in the spec",
            ],
        );
        assert!(!r.stderr.contains("apply --adopt`"), "{}", r.stderr);
    }
    // The first stack is as it was.
    assert_eq!(run(first.path(), &["drift"]).code, 0);
}

#[test]
fn logging_a_security_team_set_is_never_repointed_or_deleted() {
    let _turn = turn();
    let c = clients("us-east-1");
    logging_set_elsewhere(&c, "/security/central", "SecurityLogging");
    let dir = project(None);
    refused(
        dir.path(),
        &["apply", "--yes"],
        &["it points at log group /security/central, role arn:aws:iam::123456789012:role/SecurityLogging"],
    );
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let config = rt()
        .block_on(
            c.bedrock
                .get_model_invocation_logging_configuration()
                .send(),
        )
        .unwrap();
    let cw = config
        .logging_config()
        .unwrap()
        .cloud_watch_config()
        .unwrap();
    assert_eq!(cw.log_group_name(), "/security/central", "destroy kept it");
}

#[test]
fn a_profiles_only_stack_shares_the_account_and_region_with_a_full_one() {
    let _turn = turn();
    let production = project(None);
    apply(production.path());
    let staging = project(Some(
        "[stack]\nname = \"staging\"\nregion = \"us-east-1\"\n\n[logging]\nmanaged = false\n\n\
         [[profiles]]\nname = \"Staging-Claude\"\nmodel = \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"\nenv = \"STAGING_CLAUDE\"\n",
    ));
    let r = run(staging.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(writes(&r), 1, "only its profile:\n{}", r.stderr);
    for absent in ["log group", "bucket", "role", "logging configuration"] {
        assert!(!r.stdout.contains(&format!("+ {absent} ")), "{}", r.stdout);
    }
    assert!(
        !staging
            .path()
            .join("policies/bedrock-logging-trust.rendered.json")
            .exists(),
        "no logging policies for logging it does not set up"
    );
    assert!(
        env_values(staging.path())["STAGING_CLAUDE"].contains(":application-inference-profile/")
    );
    let c = clients("us-east-1");
    assert_eq!(application_profiles(&c).len(), 4);
    for dir in [production.path(), staging.path()] {
        assert_eq!(run(dir, &["drift"]).code, 0);
    }
    // Destroying production would end staging's logging: the plan says so.
    let warning = run(production.path(), &["plan", "--destroy"]);
    assert!(
        warning
            .stdout
            .contains("WARNING: stack staging still has profiles in us-east-1, whose invocations will no longer be logged"),
        "{}",
        warning.stdout
    );
    // It reads the logging that exists: production's.
    let doctor = run(staging.path(), &["doctor"]);
    assert_eq!(doctor.code, 0, "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains("left to another stack or team: [logging] managed = false): log group /aws/bedrock/model-invocations"),
        "{}",
        doctor.stdout
    );
    let verify = run(staging.path(), &["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    assert!(
        verify.stdout.contains("/aws/bedrock/model-invocations"),
        "{}",
        verify.stdout
    );
    // Destroyed, it takes its profile and nothing of production's.
    let r = run(staging.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(application_profiles(&c).len(), 3);
    assert_eq!(run(production.path(), &["drift"]).code, 0);
}

#[test]
fn a_second_stack_with_logging_of_its_own_never_takes_the_first_one_s_configuration() {
    let _turn = turn();
    let production = project(None);
    apply(production.path());
    let staging = guide_spec()
        .replace("name = \"librechat\"", "name = \"staging\"")
        .replace("\"BedrockLoggingRole\"", "\"StagingLoggingRole\"")
        .replace("\"/aws/bedrock/model-invocations\"", "\"/staging/bedrock\"")
        .replace(
            "\"bedrock-logs-{account_id}\"",
            "\"staging-logs-{account_id}\"",
        )
        .replace("name = \"LibreChat-", "name = \"Staging-");
    let staging = project(Some(&staging));
    for args in [&["plan"][..], &["apply", "--yes", "--adopt"]] {
        refused(
            staging.path(),
            args,
            &[
                "the model invocation logging configuration of us-east-1 belongs to stack librechat",
                "set [logging] managed = false",
            ],
        );
    }
    assert_eq!(run(production.path(), &["drift"]).code, 0);
}

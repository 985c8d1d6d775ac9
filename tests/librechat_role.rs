//! `[librechat.role]` where the account already holds something of the same name: a role
//! the stack did not make (a `runtime_role`), an instance profile of someone else's; and an
//! instance profile emptied out of band. (LibreChat's clients through the role it makes:
//! `librechat_client.rs`; its lifecycle: `lifecycle/librechat_role.rs`.)

use crate::access::librechat_role;
use crate::stack::*;

/// The guide's spec with `[librechat.role]` (`extra` its keys after the name).
fn with_role(extra: &str) -> String {
    guide_spec().replace(
        "[librechat]\n",
        &format!("[librechat.role]\nname = \"LibreChat\"\n{extra}\n[librechat]\n"),
    )
}

#[test]
fn a_runtime_role_becomes_the_stack_s_only_with_adopt() {
    let _turn = turn();
    let c = clients("us-east-1");
    librechat_role(&c); // made by the platform team, tagged for the stack
    let dir = project(Some(&with_role("ecs = true\n")));
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(writes(&r), 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("role LibreChat carries this stack's tags but the stack did not make it")
            && r.stderr.contains("apply --adopt"),
        "{}",
        r.stderr
    );
    // One error, naming the spec's key: not a second one about runtime_role.
    assert!(
        !r.stderr.contains("runtime_role in the spec"),
        "{}",
        r.stderr
    );

    let r = run(dir.path(), &["apply", "--yes", "--adopt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("taken over with --adopt: the stack owns it now, and destroy deletes it"),
        "{}",
        r.stdout
    );
    assert_eq!(writes(&apply(dir.path())), 0);
}

#[test]
fn an_instance_profile_of_someone_else_s_is_refused_before_any_write() {
    let _turn = turn();
    let c = clients("us-east-1");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    rt().block_on(
        c.iam
            .create_role()
            .role_name("ci")
            .assume_role_policy_document(trust)
            .send(),
    )
    .unwrap();
    rt().block_on(
        c.iam
            .create_instance_profile()
            .instance_profile_name("LibreChat")
            .send(),
    )
    .unwrap();
    rt().block_on(
        c.iam
            .add_role_to_instance_profile()
            .instance_profile_name("LibreChat")
            .role_name("ci")
            .send(),
    )
    .unwrap();
    let dir = project(Some(&with_role("ec2 = true\n")));
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(writes(&r), 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("instance profile LibreChat exists and is not this stack's (it holds ci)"),
        "{}",
        r.stderr
    );
    let role = rt().block_on(c.iam.get_role().role_name("LibreChat").send());
    assert!(role.is_err(), "a role was made: {role:?}");
}

#[test]
fn the_stack_s_instance_profile_goes_with_its_role_even_emptied_out_of_band() {
    let _turn = turn();
    let c = clients("us-east-1");
    let dir = project(Some(&with_role("ec2 = true\n")));
    apply(dir.path());
    rt().block_on(
        c.iam
            .remove_role_from_instance_profile()
            .instance_profile_name("LibreChat")
            .role_name("LibreChat")
            .send(),
    )
    .unwrap();
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 2, "{}\n{}", drift.stdout, drift.stderr);

    // The table removed: the role and its (empty) instance profile both go.
    std::fs::write(dir.path().join("bedrock.toml"), guide_spec()).unwrap();
    apply(dir.path());
    let profiles = rt()
        .block_on(c.iam.list_instance_profiles().send())
        .unwrap();
    assert!(
        profiles.instance_profiles().is_empty(),
        "{:?}",
        profiles.instance_profiles()
    );
    let role = rt().block_on(c.iam.get_role().role_name("LibreChat").send());
    assert!(role.is_err(), "the role is left: {role:?}");
}

//! `[librechat.api_key]`: the stack's IAM user for LibreChat and its Bedrock API key, which
//! LibreChat's own clients use as a bearer token (BEDROCK_AWS_BEARER_TOKEN); rotation before
//! expiry (the new key written to .env before the old one is deleted); a key that lives in
//! another .env left alone; the secret never printed or saved.

use crate::common;
use crate::librechat_client::{inference_profiles, librechat_calls, Identity};
use crate::stack::*;

const USER: &str = "librechat-key";

fn spec() -> String {
    format!("{}\n[librechat.api_key]\nuser = \"{USER}\"\nexpires_in_days = 30\nrotate_before_days = 7\n", guide_spec())
}

/// The user's keys: (id, status).
fn keys() -> Vec<(String, String)> {
    let c = clients("us-east-1");
    let listed = rt()
        .block_on(
            c.iam
                .list_service_specific_credentials()
                .user_name(USER)
                .service_name("bedrock.amazonaws.com")
                .send(),
        )
        .unwrap();
    listed
        .service_specific_credentials()
        .iter()
        .map(|k| {
            (
                k.service_specific_credential_id().to_string(),
                k.status().as_str().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_api_key_serves_librechat_s_own_clients_and_is_rotated_before_it_expires() {
    let package = common::npm_ci("librechat-client");
    let _turn = turn();
    let c = clients("us-east-1");
    let dir = project(Some(&spec()));
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains(&format!(
            "+ API key user for LibreChat {USER}  # does not exist"
        )) && plan
            .stdout
            .contains("+ BEDROCK_AWS_BEARER_TOKEN=(known after apply: a new Bedrock API key)")
            && plan.stdout.contains("bedrock:CallWithBearerToken"),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    let first = apply(dir.path());
    let env = env_values(dir.path());
    let key = env["BEDROCK_AWS_BEARER_TOKEN"].clone();
    assert!(key.starts_with("ABSK"), "{key}");
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    let (id, _) = keys().pop().unwrap();
    assert!(
        text.contains(&format!(
            "# BEDROCK_AWS_BEARER_TOKEN is Bedrock API key {id} of IAM user {USER}, expiring "
        )),
        "{text}"
    );
    // The secret is in .env alone: never printed, never in a saved plan.
    let saved = dir.path().join("reviewed.json");
    let again = run(dir.path(), &["plan", "--save", saved.to_str().unwrap()]);
    let outputs = run(dir.path(), &["outputs", "--json"]);
    for shown in [
        &first.stdout,
        &first.stderr,
        &again.stdout,
        &again.stderr,
        &outputs.stdout,
        &std::fs::read_to_string(&saved).unwrap(),
    ] {
        assert!(
            !shown.contains(&key) && !shown.contains("ABSK"),
            "the key was shown:\n{shown}"
        );
    }
    assert!(outputs.stdout.contains(&id), "{}", outputs.stdout);
    assert_eq!(writes(&apply(dir.path())), 0);

    // LibreChat's own clients, with the key as LibreChat takes it.
    let profiles = inference_profiles(dir.path());
    let (models, arns): (Vec<&str>, Vec<&str>) = profiles
        .iter()
        .map(|(model, var)| (model.as_str(), env[var].as_str()))
        .unzip();
    let (ok, calls, out) = librechat_calls(&package, &arns, &models, Identity::ApiKey(&key), None);
    assert!(ok, "{out}");
    assert_eq!(calls.len(), 4 * arns.len(), "{out}");
    // The invocation records name the key's user.
    let events = rt()
        .block_on(
            c.logs
                .filter_log_events()
                .log_group_name("/aws/bedrock/model-invocations")
                .send(),
        )
        .unwrap();
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/{USER}");
    let by_user = events
        .events()
        .iter()
        .filter(|e| {
            e.message()
                .unwrap_or_default()
                .contains(&format!("\"arn\": \"{user_arn}\""))
                || e.message()
                    .unwrap_or_default()
                    .contains(&format!("\"arn\":\"{user_arn}\""))
        })
        .count();
    assert_eq!(by_user, calls.len(), "records by {user_arn}");

    // 25 days later, the key expires within rotate_before_days: a new one replaces it.
    emulator().instance.control().age_api_keys(25.0).unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        [4, 5].iter().any(|days| plan.stdout.contains(&format!(
            "a new API key: the key in .env ({id}) expires in {days} days, within rotate_before_days"
        ))),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    apply(dir.path());
    let rotated = env_values(dir.path())["BEDROCK_AWS_BEARER_TOKEN"].clone();
    assert_ne!(rotated, key);
    assert_eq!(keys().len(), 1, "the old key is deleted");
    assert_ne!(keys()[0].0, id);
    let (ok, _, out) = librechat_calls(
        &package,
        &arns[..1],
        &models[..1],
        Identity::ApiKey(&key),
        None,
    );
    assert!(
        !ok && out.contains("Authentication failed"),
        "the old key still works: {out}"
    );
    let (ok, _, out) = librechat_calls(
        &package,
        &arns[..1],
        &models[..1],
        Identity::ApiKey(&rotated),
        None,
    );
    assert!(ok, "{out}");

    // A key deactivated out of band is replaced too.
    let (new_id, _) = keys().pop().unwrap();
    rt().block_on(
        c.iam
            .update_service_specific_credential()
            .user_name(USER)
            .service_specific_credential_id(&new_id)
            .status(aws_sdk_iam::types::StatusType::Inactive)
            .send(),
    )
    .unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains(&format!("the key in .env ({new_id}) is inactive")),
        "{}",
        plan.stdout
    );
    apply(dir.path());
    assert_eq!(keys().len(), 1);
    assert_eq!(keys()[0].1, "Active");

    // Without [librechat.api_key], the user, its policy and its key are deleted, and so is
    // the key's line.
    std::fs::write(dir.path().join("bedrock.toml"), guide_spec()).unwrap();
    apply(dir.path());
    let gone = rt().block_on(c.iam.get_user().user_name(USER).send());
    assert!(gone.is_err(), "the user is left: {gone:?}");
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(!text.contains("BEDROCK_AWS_BEARER_TOKEN"), "{text}");
}

/// The key's secret lives in the .env it was written to: another checkout (CI, a
/// colleague's) makes no new key and deletes nothing, and says why.
#[test]
fn a_key_that_lives_in_another_env_is_left_where_it_is() {
    let _turn = turn();
    let here = project(Some(&spec()));
    apply(here.path());
    let (id, _) = keys().pop().unwrap();
    let elsewhere = project(Some(&spec()));
    let plan = run(elsewhere.path(), &["plan"]);
    assert!(
        plan.stdout.contains(&format!("Bedrock API key {id}"))
            && plan.stdout.contains("is not in this .env"),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    assert!(
        !plan.stdout.contains("create a Bedrock API key")
            && !plan.stdout.contains("BEDROCK_AWS_BEARER_TOKEN="),
        "{}",
        plan.stdout
    );
    apply(elsewhere.path());
    assert_eq!(keys(), vec![(id, "Active".to_string())]);
    let text = std::fs::read_to_string(elsewhere.path().join(".env")).unwrap();
    assert!(!text.contains("BEDROCK_AWS_BEARER_TOKEN"), "{text}");
    // Clean up for the other tests: the stack's user goes with the table.
    std::fs::write(here.path().join("bedrock.toml"), guide_spec()).unwrap();
    apply(here.path());
}

/// The user's tags.
fn user_tags() -> Vec<String> {
    let c = clients("us-east-1");
    let tags = rt()
        .block_on(c.iam.list_user_tags().user_name(USER).send())
        .unwrap();
    tags.tags().iter().map(|t| t.key().to_string()).collect()
}

/// A run stopped at any write, then applied again: one key, the one in .env, whatever was
/// made before the stop (a key made but never written is lost: it is replaced); destroy then
/// takes the key's line out of .env with its user.
#[test]
fn a_stopped_apply_leaves_one_key_and_it_is_in_env() {
    let _turn = turn();
    let dir = project(Some(&spec()));
    for stop in 1..=8 {
        let stopped = run_env(
            dir.path(),
            &["apply", "--yes"],
            &[("BEDROCK_XTASK_ABORT_AFTER_WRITES", &stop.to_string())],
        );
        assert!(matches!(stopped.code, 0 | 130), "{}", stopped.stderr);
        apply(dir.path());
        let keys = keys();
        let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
        assert_eq!(keys.len(), 1, "stopped after {stop} writes: {keys:?}");
        assert!(
            text.contains(&keys[0].0),
            "stopped after {stop} writes: the key in .env is not {}",
            keys[0].0
        );
        assert!(
            !user_tags().iter().any(|t| t.contains("pending")),
            "stopped after {stop} writes"
        );
        assert_eq!(writes(&apply(dir.path())), 0, "stopped after {stop} writes");
        let d = run(dir.path(), &["destroy", "--yes"]);
        assert_eq!(d.code, 0, "{}", d.stderr);
        let text = std::fs::read_to_string(dir.path().join(".env")).unwrap_or_default();
        assert!(
            !text.contains("BEDROCK_AWS_BEARER_TOKEN"),
            "destroy left the key in .env:\n{text}"
        );
    }
    // A value changed by hand is replaced; a line moved out of the block is the key still.
    apply(dir.path());
    let env = dir.path().join(".env");
    let text = std::fs::read_to_string(&env).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("BEDROCK_AWS_BEARER_TOKEN="))
        .unwrap()
        .to_string();
    let moved = format!("{line}\n\n{}", text.replace(&format!("{line}\n"), ""));
    std::fs::write(&env, &moved).unwrap();
    assert_eq!(
        writes(&apply(dir.path())),
        0,
        "a moved line is still the key"
    );
    // (Edited on a line of the user's, it would be a conflict: apply never rewrites that
    // line; in the block, apply replaces the key.)
    std::fs::write(&env, text.replacen(&line, &format!("{line}x"), 1)).unwrap();
    let plan = run(dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains("changed by hand"),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    apply(dir.path());
    let now = std::fs::read_to_string(&env).unwrap();
    assert!(
        !now.contains(&format!("{line}x")) && keys().len() == 1 && now.contains(&keys()[0].0),
        "{now}"
    );
    std::fs::write(dir.path().join("bedrock.toml"), guide_spec()).unwrap();
    apply(dir.path());
}

//! Kills and faults: an apply interrupted after any write, a create whose answer is lost,
//! propagation delay and throttling, and latency that must not deepen a plan's reads.

use super::*;
use bedrock_emulator::{Fault, FaultKind};

#[test]
fn an_apply_interrupted_after_any_write_converges_when_run_again() {
    let _turn = turn();
    let dir = project(None);
    let total = {
        let first = apply(dir.path());
        writes(&first)
    };
    let c = clients("us-east-1");
    for n in 1..total {
        emulator().instance.reset().unwrap();
        let _ = std::fs::remove_file(dir.path().join(".env"));
        let n_text = n.to_string();
        let killed = run_env(
            dir.path(),
            &["apply", "--yes"],
            &[("BEDROCK_XTASK_ABORT_AFTER_WRITES", &n_text)],
        );
        assert_eq!(killed.code, 130, "after {n} writes:\n{}", killed.stderr);
        apply(dir.path());
        assert_eq!(
            application_profiles(&c).len(),
            3,
            "after an interruption at write {n}"
        );
        let drift = run(dir.path(), &["drift"]);
        assert_eq!(
            drift.code, 0,
            "after an interruption at write {n}:\n{}",
            drift.stdout
        );
    }
}

#[test]
fn a_create_whose_answer_is_lost_makes_no_duplicate() {
    let _turn = turn();
    let dir = project(None);
    let control = emulator().instance.control();
    // The profile is made, the answer never arrives; the SDK retries with the same token.
    control
        .inject(&Fault {
            service: Some("bedrock".into()),
            operation: Some("CreateInferenceProfile".into()),
            count: 2,
            kind: FaultKind::DropAfter,
        })
        .unwrap();
    apply(dir.path());
    assert_eq!(application_profiles(&clients("us-east-1")).len(), 3);
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
}

#[test]
fn propagation_delay_and_throttling_are_survived() {
    let _turn = turn();
    let dir = project(None);
    let control = emulator().instance.control();
    control.set_propagation_delay(4.0).unwrap();
    for (service, operation) in [
        ("bedrock", "CreateInferenceProfile"),
        ("iam", "PutRolePolicy"),
        ("logs", "CreateLogGroup"),
        ("bedrock", "ListInferenceProfiles"),
    ] {
        control
            .inject(&Fault {
                service: Some(service.into()),
                operation: Some(operation.into()),
                count: 2,
                kind: FaultKind::Throttle,
            })
            .unwrap();
    }
    let r = apply(dir.path());
    assert!(r.stdout.contains("Applied:"), "{}", r.stdout);
    control.set_propagation_delay(0.0).unwrap();
    assert_eq!(
        control.state().unwrap()["faults"].as_array().unwrap().len(),
        0,
        "every injected fault was met"
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
}

#[test]
fn plan_reads_in_constant_depth_whatever_the_number_of_profiles() {
    let _turn = turn();
    let control = emulator().instance.control();
    let models = [
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "anthropic.claude-opus-4-20250514-v1:0",
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "amazon.nova-micro-v1:0",
        "amazon.nova-lite-v1:0",
        "amazon.nova-pro-v1:0",
        "amazon.nova-premier-v1:0",
        "meta.llama3-1-8b-instruct-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
        "meta.llama3-2-11b-instruct-v1:0",
        "meta.llama3-3-70b-instruct-v1:0",
        "meta.llama4-scout-17b-instruct-v1:0",
    ];
    let spec = |n: usize| {
        let mut s = String::from("[stack]\nname = \"depth\"\nregion = \"us-west-2\"\n");
        for (i, m) in models.iter().take(n).enumerate() {
            s.push_str(&format!(
                "[[profiles]]\nname = \"P{i}\"\nmodel = \"us.{m}\"\nenv = \"P{i}\"\n"
            ));
        }
        s
    };
    // The depth is read from when calls started and ended. A busy machine can only delay a
    // call's start, which can lengthen a chain but never shorten one, so the least of a few
    // runs is the plan's depth; the injected latency (a round trip's worth, as with AWS) makes
    // a delay that long unlikely in the first place.
    let mut depths = Vec::new();
    for n in [2, 20] {
        let dir = project(Some(&spec(n)));
        apply(dir.path());
        control.set_latency_ms(300.0).unwrap();
        let mut least = usize::MAX;
        for _ in 0..3 {
            let plan = run(dir.path(), &["plan"]);
            assert_eq!(plan.code, 0, "{}", plan.stderr);
            least = least.min(round_trips(&plan));
            if least <= 3 {
                break;
            }
        }
        control.set_latency_ms(0.0).unwrap();
        depths.push(least);
    }
    assert_eq!(
        depths[0], depths[1],
        "plan's sequential round trips grew with the profiles: {depths:?}"
    );
    assert!(depths[1] <= 3, "{depths:?}");
}

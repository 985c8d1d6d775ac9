//! The lifecycle conformance suite: every resource kind through the same steps, against the
//! embedded emulator, with the real binary and `--local`; every result read back through the
//! AWS SDK, not through the tool's own output.
//!
//! One entry per kind (`tests/lifecycle/<kind>.rs`), listed once in `lifecycle!` below; each
//! step is a test of its own, named `<kind>::<step>`. A kind of the plan's registry without an
//! entry fails `every_kind_has_an_entry`. Each kind has an emulator of its own, so that the
//! kinds run concurrently; the steps of one kind take turns on it, each from a reset account.
//!
//! The steps (PRODUCT.md, "Every kind, one lifecycle"):
//! 1. create from empty: a second apply makes 0 writes, `drift` exits 0;
//! 2. five destroy-then-apply cycles, each converging;
//! 3. every mutable field changed A, B, A, B: then 0 writes, `drift` exits 0;
//! 4. an out-of-band delete, and an out-of-band change of each field that can be changed:
//!    `drift` exits 2 naming the resource, `apply` repairs it;
//! 5. the kind's entry removed from the spec is retired (or kept, for what holds data);
//!    added back, it converges;
//! 6. a kill at every write, then `apply`: no duplicate, `drift` exits 0, `destroy` leaves
//!    nothing;
//! 7. `--adopt` of an untagged resource of the kind, then an empty plan;
//! 8. tags changed out of band: user tags repaired; a resource whose stack tag is gone is
//!    not retaken without `--adopt`, and is with it.

mod harness;
use crate::stack;

use harness::Entry;

macro_rules! lifecycle {
    ($($kind:ident),* $(,)?) => {
        $(
            mod $kind {
                #[allow(unused_imports)]
                use super::harness::*;
                include!(concat!("lifecycle/", stringify!($kind), ".rs"));

                #[test]
                fn step1_create_from_empty() {
                    run(&ENTRY, Step::CreateFromEmpty);
                }
                #[test]
                fn step2_destroy_apply_cycles() {
                    run(&ENTRY, Step::DestroyApplyCycles);
                }
                #[test]
                fn step3_fields_a_b_a_b() {
                    run(&ENTRY, Step::FieldsABAB);
                }
                #[test]
                fn step4_out_of_band_delete_and_change() {
                    run(&ENTRY, Step::OutOfBand);
                }
                #[test]
                fn step5_removed_then_added_back() {
                    run(&ENTRY, Step::RemovedAndBack);
                }
                #[test]
                fn step6_kill_at_every_write() {
                    run(&ENTRY, Step::KillAtEveryWrite);
                }
                #[test]
                fn step7_adopt_an_untagged_one() {
                    run(&ENTRY, Step::Adopt);
                }
                #[test]
                fn step8_tags_changed_out_of_band() {
                    run(&ENTRY, Step::Tags);
                }
            }
        )*

        /// Every entry, by kind.
        const ENTRIES: &[&Entry] = &[$(&$kind::ENTRY),*];
    };
}

lifecycle! {
    model_access,
    log_group,
    bucket,
    role,
    logging_configuration,
    inference_profile,
    guardrail,
    cost_allocation_tag,
    librechat_role,
    librechat_api_key,
    runtime_role,
    monitoring,
    budget,
    quota_increase,
}

/// The guide's journey end to end, on the emulator and, as it is, on AWS.
#[test]
fn journey_the_guide_s_path_end_to_end() {
    harness::journey::journey();
}

#[test]
fn every_kind_has_an_entry() {
    let entries: Vec<&str> = ENTRIES.iter().map(|e| e.kind).collect();
    for kind in bedrock_plan::KINDS {
        assert!(
            entries.contains(&kind.kind.id),
            "kind {} has no entry in the lifecycle suite: add tests/lifecycle/{}.rs and its line in lifecycle! (tests/lifecycle.rs)",
            kind.kind.id,
            kind.kind.id
        );
    }
    for e in ENTRIES {
        assert!(
            bedrock_plan::KINDS.iter().any(|k| k.kind.id == e.kind),
            "the lifecycle entry {} names no kind of the plan's registry",
            e.kind
        );
    }
}

/// Acceptance mode proved as far as it can be here: a subset of the suite re-run by this
/// very test binary with `LIBRECHAT_BEDROCK_ACCEPTANCE=1`, against an emulator addressed as
/// if it were AWS (`LIBRECHAT_BEDROCK_ACCEPTANCE_ENDPOINT` and the standard credential
/// chain: `--endpoint-url` on every command, never `--local`), every step swept at start and
/// end; the kinds that cannot run on AWS, or that would touch the account's logging, say so.
/// The subset: every step of the inference profile and the guardrail, two of the alarms' and
/// of LibreChat's role's, the end-to-end journey, and two kinds that say why they are skipped.
#[test]
fn acceptance_mode_runs_the_suite_by_endpoint_url() {
    if harness::acceptance().is_some() {
        return; // the re-run itself
    }
    let dir = tempfile::tempdir().unwrap();
    let emulator = bedrock_emulator::Instance::start_private(dir.path())
        .unwrap_or_else(|e| panic!("the emulator did not start: {e}"));
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "lifecycle::inference_profile::",
            "lifecycle::guardrail::",
            "lifecycle::monitoring::step1",
            "lifecycle::monitoring::step4",
            "lifecycle::runtime_role::step1",
            "lifecycle::runtime_role::step6",
            "lifecycle::model_access::step1",
            "lifecycle::log_group::step1",
            "lifecycle::journey_",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("LIBRECHAT_BEDROCK_ACCEPTANCE", "1")
        .env("LIBRECHAT_BEDROCK_ACCEPTANCE_ENDPOINT", emulator.endpoint())
        .env("AWS_ACCESS_KEY_ID", bedrock_emulator::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", bedrock_emulator::SECRET_ACCESS_KEY)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        // Nothing may reach an emulator of --local's: this port has none.
        .env("BEDROCK_EMULATOR_PORT", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let all = format!("{stdout}\n{stderr}");
    for expected in [
        "acceptance mode: account 123456789012, region us-east-1, endpoint http://",
        "SKIPPED model_access::CreateFromEmpty in acceptance mode: each step starts from a brand-new account",
        "SKIPPED log_group::CreateFromEmpty in acceptance mode: its spec manages the account's model invocation logging configuration",
        "test lifecycle::inference_profile::step8_tags_changed_out_of_band ... ok",
        "test lifecycle::runtime_role::step6_kill_at_every_write ... ok",
        "test lifecycle::guardrail::step3_fields_a_b_a_b ... ok",
        "test lifecycle::journey_the_guide_s_path_end_to_end ... ok",
        "test lifecycle::monitoring::step4_out_of_band_delete_and_change ... ok",
        "23 passed",
    ] {
        assert!(all.contains(expected), "{expected:?} not in\n{all}");
    }
    // Swept at the end: nothing of the suite's stacks is left in the account.
    let c = stack::rt().block_on(bedrock_aws::Clients::connect(
        &bedrock_aws::Endpoint::url(
            &emulator.endpoint(),
            Some(bedrock_aws::StaticCredentials {
                access_key_id: bedrock_emulator::ACCESS_KEY_ID.into(),
                secret_access_key: bedrock_emulator::SECRET_ACCESS_KEY.into(),
                session_token: None,
            }),
        ),
        "us-east-1",
    ));
    assert!(stack::application_profiles(&c).is_empty());
}

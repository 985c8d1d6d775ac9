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

mod common;
#[path = "lifecycle/harness.rs"]
mod harness;
mod stack;

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
    runtime_role,
    monitoring,
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

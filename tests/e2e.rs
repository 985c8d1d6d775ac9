//! The provisioning engine end to end: the real binary, `--local`, against a private
//! emulator, and every result checked through the AWS SDK rather than through the tool's
//! own output.
//!
//! The tests share one emulator and take turns (a lock): each starts from a reset account.
//! They are grouped by topic in `tests/e2e/`.

mod common;
#[path = "e2e/convergence.rs"]
mod convergence;
#[path = "e2e/destroy.rs"]
mod destroy;
#[path = "e2e/env.rs"]
mod env;
#[path = "e2e/faults.rs"]
mod faults;
#[path = "e2e/files.rs"]
mod files;
#[path = "e2e/ownership.rs"]
mod ownership;
#[path = "e2e/plans_and_flags.rs"]
mod plans_and_flags;
mod stack;
use stack::*;
use std::collections::BTreeMap;

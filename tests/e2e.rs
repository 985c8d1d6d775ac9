//! The provisioning engine end to end: the real binary, `--local`, against a private
//! emulator, and every result checked through the AWS SDK rather than through the tool's
//! own output.
//!
//! The tests share one emulator and take turns (a lock): each starts from a reset account.
//! They are grouped by topic in `tests/e2e/`.

use crate::common;
mod convergence;
mod destroy;
mod env;
mod faults;
mod files;
mod ownership;
mod plans_and_flags;
use crate::stack;
use stack::*;
use std::collections::BTreeMap;

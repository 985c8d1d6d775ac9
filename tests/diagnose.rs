//! `verify`, `doctor` and LibreChat's least-privilege policy, end to end: an applied stack in
//! the emulator, called through its profiles and by raw ids with the real bedrock-runtime
//! SDK client, then the commands, with faults introduced one at a time. Each of the three is
//! in `tests/diagnose/`.

use crate::common;
mod doctor;
mod least_privilege;
use crate::stack;
mod verify;
use stack::*;
use std::path::Path;

fn doctor(dir: &Path) -> common::Run {
    run(dir, &["doctor"])
}

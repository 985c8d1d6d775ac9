//! `verify`, `doctor` and LibreChat's least-privilege policy, end to end: an applied stack in
//! the emulator, called through its profiles and by raw ids with the real bedrock-runtime
//! SDK client, then the commands, with faults introduced one at a time. Each of the three is
//! in `tests/diagnose/`.

mod common;
#[path = "diagnose/doctor.rs"]
mod doctor;
#[path = "diagnose/least_privilege.rs"]
mod least_privilege;
mod stack;
#[path = "diagnose/verify.rs"]
mod verify;
use stack::*;
use std::path::Path;

fn doctor(dir: &Path) -> common::Run {
    run(dir, &["doctor"])
}

//! The project's integration tests, one binary: each topic is a module of its own
//! (`tests/<topic>.rs`, and `tests/<topic>/` for its parts), so that the AWS SDK is linked
//! once, not once per topic. Run one topic with a filter:
//! `cargo test -p xtask --test suite e2e::`.
//!
//! The tests that run the tool on the shared emulator (`stack`) take turns on it; the others
//! (the lifecycle suite's kinds, each with an emulator of its own, `install`, `schema`, the
//! conformance walk) run beside them.

mod common;
mod stack;

mod access;
mod accounts;
mod budget;
mod cli;
mod conformance;
mod destinations;
mod diagnose;
mod docs;
mod e2e;
mod install;
mod layering;
mod librechat_api_key;
mod librechat_client;
mod librechat_role;
mod lifecycle;
mod mantle;
mod operations;
mod quotas;
mod regions;
mod runtime;
mod schema;
mod sweep;
mod usage;

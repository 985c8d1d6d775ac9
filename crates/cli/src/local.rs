//! `local start | stop | status | reset`: the embedded AWS emulator.

use crate::output::{error, Exit};
use bedrock_emulator::{Instance, StartOptions, Status};

pub struct LocalOptions {
    pub host: String,
    pub port: u16,
}

impl LocalOptions {
    pub fn instance(&self) -> Instance {
        Instance::new(&bedrock_emulator::default_dir(), &self.host, self.port)
    }
}

pub fn local_start(opts: &LocalOptions, start: &StartOptions) -> Exit {
    let instance = opts.instance();
    match instance.start(start, &mut |line| eprintln!("{line}")) {
        Ok(s) if s.new => {
            println!(
                "started the embedded AWS emulator at {} (pid {})",
                s.endpoint,
                s.pid.map_or_else(|| "?".into(), |p| p.to_string())
            );
            println!("  log: {}", instance.log_file().display());
            println!("  stop it with `cargo xtask local stop`");
            apply_settings(&instance, start)
        }
        Ok(s) => {
            println!(
                "the embedded AWS emulator is already running at {}{}",
                s.endpoint,
                s.pid.map_or_else(
                    || " (started from elsewhere)".into(),
                    |p| format!(" (pid {p})")
                )
            );
            apply_settings(&instance, start)
        }
        Err(e) => {
            error(e);
            Exit::Error
        }
    }
}

/// Latency and propagation delay asked of an already running emulator apply to it too.
fn apply_settings(instance: &Instance, start: &StartOptions) -> Exit {
    let control = instance.control();
    let result = start
        .latency_ms
        .map(|ms| control.set_latency_ms(ms))
        .transpose()
        .and_then(|_| {
            start
                .propagation_delay_seconds
                .map(|s| control.set_propagation_delay(s))
                .transpose()
        });
    match result {
        Ok(_) => Exit::Success,
        Err(e) => {
            error(e);
            Exit::Error
        }
    }
}

pub fn local_stop(opts: &LocalOptions) -> Exit {
    let instance = opts.instance();
    match instance.stop() {
        Ok(Some(pid)) => {
            println!("stopped the embedded AWS emulator (pid {pid})");
            Exit::Success
        }
        Ok(None) if instance.control().state().is_ok() => {
            error(format!(
                "an emulator answers at {} but was not started from this checkout ({}); not stopping it\n  help: stop it from where it was started, or end its process",
                instance.endpoint(),
                instance.dir.display()
            ));
            Exit::Error
        }
        Ok(None) => {
            println!(
                "the embedded AWS emulator is not running at {}",
                instance.endpoint()
            );
            Exit::Success
        }
        Err(e) => {
            error(e);
            Exit::Error
        }
    }
}

/// Exit 0 when the emulator answers, 1 when it does not.
pub fn local_status(opts: &LocalOptions) -> Exit {
    let instance = opts.instance();
    match instance.status() {
        Status::Running { pid, state } => {
            println!(
                "running at {}{}, answering",
                instance.endpoint(),
                pid.map_or_else(
                    || " (started from elsewhere)".into(),
                    |p| format!(" (pid {p})")
                )
            );
            println!(
                "  latency {} ms, IAM propagation delay {} s, {} pending injected faults",
                state["latency_ms"],
                state["propagation_delay_seconds"],
                state["faults"].as_array().map_or(0, Vec::len)
            );
            if pid.is_some() {
                println!("  log: {}", instance.log_file().display());
            }
            Exit::Success
        }
        Status::NotAnswering { pid } => {
            println!(
                "started (pid {pid}) but not answering at {}: see {}",
                instance.endpoint(),
                instance.log_file().display()
            );
            Exit::Error
        }
        Status::Stopped => {
            println!(
                "not running at {} (start it with `cargo xtask local start`)",
                instance.endpoint()
            );
            Exit::Error
        }
    }
}

pub fn local_reset(opts: &LocalOptions) -> Exit {
    let instance = opts.instance();
    match instance.reset() {
        Ok(()) => {
            println!(
                "emptied the embedded AWS emulator at {}: every resource, injected fault and setting",
                instance.endpoint()
            );
            Exit::Success
        }
        Err(e) => {
            error(e);
            Exit::Error
        }
    }
}

//! `local start | stop | status | reset`: the embedded AWS emulator.

use crate::output::{note, out, Exit};
use bedrock_emulator::{Instance, StartOptions, Status};
use bedrock_engine::Error;
use clap::{Args, Subcommand};

/// The embedded AWS emulator (moto plus this project's Bedrock extension).
#[derive(Args, Debug)]
pub struct LocalArgs {
    #[command(subcommand)]
    pub action: LocalAction,
}

#[derive(Subcommand, Debug)]
pub enum LocalAction {
    /// Install on first use, then run in the background; starting twice is harmless.
    Start {
        #[command(flatten)]
        at: LocalAt,
        /// Add this many milliseconds to every request, like a round trip to AWS.
        #[arg(long, value_name = "MS")]
        latency_ms: Option<f64>,
        /// IAM roles younger than this fail Bedrock's logging checks, as fresh roles do in AWS.
        #[arg(long, value_name = "SECONDS")]
        propagation_delay: Option<f64>,
    },
    /// Stop the emulator this checkout started (and nothing else).
    Stop {
        #[command(flatten)]
        at: LocalAt,
    },
    /// Print the endpoint and whether it answers (exit 0 when it does, 1 when not).
    Status {
        #[command(flatten)]
        at: LocalAt,
    },
    /// Empty all state: every resource, injected fault and setting.
    Reset {
        #[command(flatten)]
        at: LocalAt,
    },
}

/// Where the emulator listens.
#[derive(Args, Debug)]
pub struct LocalAt {
    /// The address the emulator listens on.
    #[arg(long, default_value = bedrock_emulator::DEFAULT_HOST)]
    host: String,
    /// The port the emulator listens on.
    #[arg(long, env = "BEDROCK_EMULATOR_PORT", default_value_t = bedrock_emulator::DEFAULT_PORT)]
    port: u16,
}

impl LocalAt {
    fn instance(&self) -> Instance {
        Instance::new(&bedrock_emulator::default_dir(), &self.host, self.port)
    }
}

impl LocalArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let exit = match self.action {
            LocalAction::Start {
                at,
                latency_ms,
                propagation_delay,
            } => local_start(
                &at,
                &StartOptions {
                    latency_ms,
                    propagation_delay_seconds: propagation_delay,
                    exit_with_pid: None,
                },
            ),
            LocalAction::Stop { at } => local_stop(&at),
            LocalAction::Status { at } => local_status(&at),
            LocalAction::Reset { at } => local_reset(&at),
        };
        exit.map_err(|e| Error::other(e.message, e.help))
    }
}

type Outcome = Result<Exit, bedrock_emulator::EmulatorError>;

fn local_start(at: &LocalAt, start: &StartOptions) -> Outcome {
    let instance = at.instance();
    let s = instance.start(start, &mut |line| note(line))?;
    let pid = s.pid.map_or_else(
        || " (started from elsewhere)".into(),
        |p| format!(" (pid {p})"),
    );
    if s.new {
        out(format_args!(
            "started the embedded AWS emulator at {}{pid}\n  log: {}\n  stop it with `{}`\n",
            s.endpoint,
            instance.log_file().display(),
            bedrock_emulator::local_command("stop", &at.host, at.port)
        ));
    } else {
        out(format_args!(
            "the embedded AWS emulator is already running at {}{pid}\n",
            s.endpoint
        ));
    }
    // Latency and propagation delay asked of an already running emulator apply to it too.
    let control = instance.control();
    if let Some(ms) = start.latency_ms {
        control.set_latency_ms(ms)?;
    }
    if let Some(seconds) = start.propagation_delay_seconds {
        control.set_propagation_delay(seconds)?;
    }
    Ok(Exit::Success)
}

fn local_stop(at: &LocalAt) -> Outcome {
    let instance = at.instance();
    match instance.stop()? {
        Some(pid) => out(format_args!(
            "stopped the embedded AWS emulator (pid {pid})\n"
        )),
        None if instance.control().state().is_ok() => {
            return Err(bedrock_emulator::EmulatorError {
                message: format!(
                    "an emulator answers at {} but was not started from this checkout ({}); not stopping it",
                    instance.endpoint(),
                    instance.dir.display()
                ),
                help: "stop it from where it was started, or end its process".into(),
            })
        }
        None => out(format_args!(
            "the embedded AWS emulator is not running at {}\n",
            instance.endpoint()
        )),
    }
    Ok(Exit::Success)
}

/// Exit 0 when the emulator answers, 1 when it does not.
fn local_status(at: &LocalAt) -> Outcome {
    let instance = at.instance();
    let endpoint = instance.endpoint();
    let log = instance.log_file();
    Ok(match instance.status() {
        Status::Running { pid, state } => {
            let by = pid.map_or_else(
                || " (started from elsewhere)".into(),
                |p| format!(" (pid {p})"),
            );
            out(format_args!(
                "running at {endpoint}{by}, answering\n  latency {} ms, IAM propagation delay {} s, {} pending injected faults\n",
                state["latency_ms"],
                state["propagation_delay_seconds"],
                state["faults"].as_array().map_or(0, Vec::len)
            ));
            if pid.is_some() {
                out(format_args!("  log: {}\n", log.display()));
            }
            Exit::Success
        }
        Status::NotAnswering { pid } => {
            out(format_args!(
                "started (pid {pid}) but not answering at {endpoint}: see {}\n",
                log.display()
            ));
            Exit::Error
        }
        Status::Stopped => {
            out(format_args!(
                "not running at {endpoint} (start it with `{}`)\n",
                bedrock_emulator::local_command("start", &at.host, at.port)
            ));
            Exit::Error
        }
    })
}

fn local_reset(at: &LocalAt) -> Outcome {
    let instance = at.instance();
    instance.reset()?;
    out(format_args!(
        "emptied the embedded AWS emulator at {}: every resource, injected fault and setting\n",
        instance.endpoint()
    ));
    Ok(Exit::Success)
}

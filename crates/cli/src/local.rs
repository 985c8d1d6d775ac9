//! `local start | stop | status | reset`: the embedded AWS emulator.

use crate::output::{note, out, Exit};
use bedrock_engine::emulator::{Instance, StartOptions, Status};
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
        /// Also serve HTTPS (HTTP/2 and HTTP/1.1), with a certificate from a CA generated into
        /// the emulator's directory (`local status` names its file), for clients that only
        /// speak https, such as LibreChat's BEDROCK_REVERSE_PROXY.
        #[arg(long)]
        tls: bool,
        /// The HTTPS port (default: the port after --port).
        #[arg(long, value_name = "PORT", requires = "tls")]
        tls_port: Option<u16>,
    },
    /// Stop the emulator started from the emulator directory (and nothing else).
    Stop {
        #[command(flatten)]
        at: LocalAt,
    },
    /// Print the endpoint and whether it answers (exit 0 when it does, 1 when not).
    Status {
        #[command(flatten)]
        at: LocalAt,
        /// One JSON object: running, endpoint, tls_endpoint and ca_file (when serving
        /// HTTPS), pid, log, latency_ms, propagation_delay_seconds, pending_faults.
        #[arg(long)]
        json: bool,
    },
    /// Empty all state: every resource, injected fault and setting.
    Reset {
        #[command(flatten)]
        at: LocalAt,
        /// Stand for a brand-new account: Anthropic's use case form not on file and no
        /// Marketplace agreement accepted, so those models are denied as AWS denies them
        /// until access is established (`[access]`). Without it, access is in place.
        #[arg(long)]
        new_account: bool,
    },
    /// Make the emulator offer what your account offers: with --from-aws, read a region's
    /// foundation models and system-defined inference profiles from AWS (your own
    /// credentials: bedrock:ListFoundationModels and bedrock:ListInferenceProfiles, nothing
    /// is changed) into the emulator's catalog; without it, list the regions read so far.
    Catalog {
        /// Read the region from AWS (the standard credential chain, AWS_PROFILE,
        /// AWS_ENDPOINT_URL), replacing what was read before for it.
        #[arg(long, requires = "region")]
        from_aws: bool,
        /// The region to read, e.g. us-east-1.
        #[arg(long, value_name = "REGION", requires = "from_aws")]
        region: Option<String>,
        /// Forget a region read before: the emulator's built-in catalog serves it again.
        #[arg(long, value_name = "REGION", conflicts_with = "from_aws")]
        forget: Option<String>,
        /// The catalog directory (default: the emulator's, which every emulator started
        /// from here reads).
        #[arg(long, value_name = "DIR")]
        into: Option<std::path::PathBuf>,
    },
}

/// Where the emulator listens.
#[derive(Args, Debug)]
pub struct LocalAt {
    /// The address the emulator listens on.
    #[arg(long, default_value = bedrock_engine::emulator::DEFAULT_HOST)]
    host: String,
    /// The port the emulator listens on.
    #[arg(long, env = "BEDROCK_EMULATOR_PORT", default_value_t = bedrock_engine::emulator::DEFAULT_PORT, value_parser = bedrock_engine::parse_port)]
    port: u16,
}

impl LocalAt {
    fn instance(&self) -> Instance {
        Instance::new(
            &bedrock_engine::emulator::default_dir(),
            &self.host,
            self.port,
        )
    }
}

impl LocalArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let exit = match self.action {
            LocalAction::Start {
                at,
                latency_ms,
                propagation_delay,
                tls,
                tls_port,
            } => {
                let tls_port = match (tls, tls_port) {
                    (false, _) => None,
                    (true, Some(port)) => Some(port),
                    (true, None) => Some(at.port.checked_add(1).ok_or_else(|| {
                        Error::other(
                            format!("there is no port after {} for HTTPS", at.port),
                            "name one with --tls-port",
                        )
                    })?),
                };
                local_start(
                    &at,
                    &StartOptions {
                        latency_ms,
                        propagation_delay_seconds: propagation_delay,
                        exit_with_pid: None,
                        tls_port,
                    },
                )
            }
            LocalAction::Stop { at } => local_stop(&at),
            LocalAction::Status { at, json } => local_status(&at, json),
            LocalAction::Reset { at, new_account } => local_reset(&at, new_account),
            LocalAction::Catalog {
                from_aws,
                region,
                forget,
                into,
            } => {
                let default = Instance::new(
                    &bedrock_engine::emulator::default_dir(),
                    bedrock_engine::emulator::DEFAULT_HOST,
                    bedrock_engine::emulator::DEFAULT_PORT,
                )
                .catalog_dir();
                let at = CatalogAt {
                    shared: into.as_ref().is_none_or(|d| *d == default),
                    dir: into.unwrap_or(default),
                };
                return local_catalog(&at, from_aws.then_some(region).flatten(), forget);
            }
        };
        exit.map_err(|e| Error::other(e.message, e.help))
    }
}

type Outcome = Result<Exit, bedrock_engine::emulator::EmulatorError>;

fn local_start(at: &LocalAt, start: &StartOptions) -> Outcome {
    let instance = at.instance();
    let mut starting = crate::progress::Starting::new();
    let s = instance.start(start, &mut |line| starting.line(line));
    drop(starting);
    let s = s?;
    let pid = s.pid.map_or_else(
        || " (started from elsewhere)".into(),
        |p| format!(" (pid {p})"),
    );
    let control = instance.control();
    let state = control.state()?;
    let tls = tls_of(&state);
    if let Some(host) = state["host"].as_str().filter(|h| *h != at.host && !s.new) {
        return Err(bedrock_engine::emulator::EmulatorError {
            message: format!(
                "the emulator already running on port {} listens on {host}, not {}",
                at.port, at.host
            ),
            help: format!(
                "stop it with `{}`, then start it with --host {}",
                bedrock_engine::emulator::local_command("stop", host, at.port),
                at.host
            ),
        });
    }
    if let (Some(port), Some((endpoint, _))) = (start.tls_port, &tls) {
        if !endpoint.ends_with(&format!(":{port}")) {
            return Err(bedrock_engine::emulator::EmulatorError {
                message: format!(
                    "the emulator already running at {} serves HTTPS at {endpoint}, not on port {port}",
                    s.endpoint
                ),
                help: format!(
                    "use {endpoint}, or stop it with `{}` and start it again with --tls-port {port}",
                    bedrock_engine::emulator::local_command("stop", &at.host, at.port)
                ),
            });
        }
    }
    if start.tls_port.is_some() && tls.is_none() {
        return Err(bedrock_engine::emulator::EmulatorError {
            message: format!(
                "the emulator already running at {} does not serve HTTPS",
                s.endpoint
            ),
            help: format!(
                "stop it with `{}`, then start it again with --tls",
                bedrock_engine::emulator::local_command("stop", &at.host, at.port)
            ),
        });
    }
    if s.new {
        out(format_args!(
            "started the embedded AWS emulator at {}{pid}\n",
            s.endpoint
        ));
    } else {
        out(format_args!(
            "the embedded AWS emulator is already running at {}{pid}\n",
            s.endpoint
        ));
    }
    if let Some((endpoint, ca_file)) = &tls {
        out(format_args!(
            "  https: {endpoint} (certificate authority: {ca_file})\n"
        ));
    }
    if s.new {
        out(format_args!(
            "  log: {}\n  stop it with `{}`\n",
            instance.log_file().display(),
            bedrock_engine::emulator::local_command("stop", &at.host, at.port)
        ));
    }
    // Latency and propagation delay asked of an already running emulator apply to it too.
    if let Some(ms) = start.latency_ms {
        control.set_latency_ms(ms)?;
        if !s.new {
            out(format_args!("  latency set to {ms} ms\n"));
        }
    }
    if let Some(seconds) = start.propagation_delay_seconds {
        control.set_propagation_delay(seconds)?;
        if !s.new {
            out(format_args!("  IAM propagation delay set to {seconds} s\n"));
        }
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
            return Err(bedrock_engine::emulator::EmulatorError {
                message: format!(
                    "an emulator answers at {} but was not started from this emulator directory ({}); not stopping it",
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

/// The HTTPS endpoint and CA file an emulator reports serving.
fn tls_of(state: &serde_json::Value) -> Option<(String, String)> {
    Some((
        state["tls_endpoint"].as_str()?.to_string(),
        state["ca_file"].as_str()?.to_string(),
    ))
}

/// Exit 0 when the emulator answers, 1 when it does not.
fn local_status(at: &LocalAt, json: bool) -> Outcome {
    let instance = at.instance();
    let endpoint = instance.endpoint();
    let log = instance.log_file();
    let status = instance.status();
    if json {
        let mut value = serde_json::json!({
            "running": false,
            "endpoint": endpoint,
        });
        let exit = match &status {
            Status::Running { pid, state } => {
                value["running"] = true.into();
                value["pid"] = (*pid).into();
                if pid.is_some() {
                    value["log"] = log.display().to_string().into();
                }
                if let Some((tls_endpoint, ca_file)) = tls_of(state) {
                    value["tls_endpoint"] = tls_endpoint.into();
                    value["ca_file"] = ca_file.into();
                }
                value["latency_ms"] = state["latency_ms"].clone();
                value["propagation_delay_seconds"] = state["propagation_delay_seconds"].clone();
                value["pending_faults"] = state["faults"].as_array().map_or(0, Vec::len).into();
                Exit::Success
            }
            Status::NotAnswering { pid } => {
                value["pid"] = (*pid).into();
                value["log"] = log.display().to_string().into();
                Exit::Error
            }
            Status::Stopped => Exit::Error,
        };
        out(format_args!("{value:#}\n"));
        return Ok(exit);
    }
    Ok(match status {
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
            if let Some((tls_endpoint, ca_file)) = tls_of(&state) {
                out(format_args!(
                    "  https: {tls_endpoint} (certificate authority: {ca_file})\n"
                ));
            }
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
                bedrock_engine::emulator::local_command("start", &at.host, at.port)
            ));
            Exit::Error
        }
    })
}

/// Where `local catalog` reads and writes: the emulators' own directory, or another.
struct CatalogAt {
    dir: std::path::PathBuf,
    /// Whether it is the directory every emulator started here reads.
    shared: bool,
}

fn local_catalog(
    at: &CatalogAt,
    read: Option<String>,
    forget: Option<String>,
) -> Result<Exit, Error> {
    let dir = at.dir.as_path();
    let into = if at.shared {
        String::new()
    } else {
        format!(" --into {}", dir.display())
    };
    let served = if at.shared {
        "every emulator started from the emulator directory reads this directory, and a running one sees it at once"
            .to_string()
    } else {
        format!(
            "no emulator started by `{} local start` reads {} (they read {}); a test's private emulator reads its own",
            bedrock_engine::emulator::program(),
            dir.display(),
            Instance::new(
                &bedrock_engine::emulator::default_dir(),
                bedrock_engine::emulator::DEFAULT_HOST,
                bedrock_engine::emulator::DEFAULT_PORT
            )
            .catalog_dir()
            .display()
        )
    };
    for region in read.iter().chain(forget.iter()) {
        if !bedrock_engine::is_region(region) {
            return Err(Error::other(
                format!("{region:?} is not a region name; nothing was read"),
                "name a region as AWS does, e.g. --region us-east-1",
            ));
        }
    }
    if let Some(region) = read {
        bedrock_engine::check_profile()?;
        match std::env::var("AWS_ENDPOINT_URL").ok().filter(|u| !u.trim().is_empty()) {
            Some(url) => {
                bedrock_engine::check_url(&url, "AWS_ENDPOINT_URL")?;
                note(format!(
                "reading the catalog of {region} from AWS_ENDPOINT_URL={url} (not AWS itself), standard credential chain"
            ))
            }
            None => note(format!(
                "reading the catalog of {region} from AWS (standard credential chain); nothing is changed"
            )),
        }
        let catalog = bedrock_engine::read_catalog(&region)?;
        let count = |key: &str| catalog[key].as_array().map_or(0, Vec::len);
        if count("foundationModels") == 0 && count("inferenceProfiles") == 0 {
            return Err(Error::other(
                format!("the account offers no foundation model and no inference profile in {region}: Bedrock may not be available there, or these credentials see none; nothing was written"),
                "check the region (`aws bedrock list-foundation-models --region REGION`), or use credentials of the account LibreChat uses",
            ));
        }
        let path = bedrock_engine::emulator::write_account_catalog(dir, &region, &catalog)
            .map_err(|e| Error::other(e.message, e.help))?;
        out(format_args!(
            "read {} foundation models and {} system-defined inference profiles of {region} into {}\n  the emulator offers in {region} exactly what your account does: {served}\n",
            count("foundationModels"),
            count("inferenceProfiles"),
            path.display()
        ));
        return Ok(Exit::Success);
    }
    if let Some(region) = forget {
        let path = dir.join(format!("{region}.json"));
        match std::fs::remove_file(&path) {
            Ok(()) => out(format_args!(
                "forgot {region}: the emulator's built-in catalog serves it again ({served})\n"
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => out(format_args!(
                "{region} was not read from an account; nothing to forget\n"
            )),
            Err(e) => {
                return Err(Error::other(
                    format!("cannot remove {}: {e}", path.display()),
                    "check the directory's permissions",
                ))
            }
        }
        return Ok(Exit::Success);
    }
    let read = bedrock_engine::emulator::account_catalogs(dir);
    if read.is_empty() {
        out(format_args!(
            "every region is served from the emulator's built-in catalog\n  `{} local catalog --from-aws --region REGION{into}` makes one match your account\n",
            bedrock_engine::emulator::program()
        ));
    }
    for (region, path) in read {
        out(format_args!(
            "{region}: read from an account ({})\n",
            path.display()
        ));
    }
    Ok(Exit::Success)
}

fn local_reset(at: &LocalAt, new_account: bool) -> Outcome {
    let instance = at.instance();
    if new_account {
        instance.control().reset_new_account()?;
        out(format_args!(
            "emptied the embedded AWS emulator at {}: every resource, injected fault and setting\n  it now stands for a brand-new account: Anthropic's use case form is not on file and no Marketplace agreement is accepted (`local reset` without --new-account puts access back in place)\n",
            instance.endpoint()
        ));
        return Ok(Exit::Success);
    }
    instance.reset()?;
    out(format_args!(
        "emptied the embedded AWS emulator at {}: every resource, injected fault and setting\n",
        instance.endpoint()
    ));
    Ok(Exit::Success)
}

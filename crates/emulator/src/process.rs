//! One running emulator: a background process with a pid file and a log file, found again by
//! later commands through the pid file, and stopped only if it is the process we started.

use crate::install::{tail, Installation, SOURCES};
use crate::{Control, EmulatorError};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting server may take to answer (moto imports a lot).
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// An emulator instance: where its files are and where it listens.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Pid file, log file and the extension's sources live here.
    pub dir: PathBuf,
    pub host: String,
    pub port: u16,
    pub installation: Installation,
}

#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub latency_ms: Option<f64>,
    pub propagation_delay_seconds: Option<f64>,
    /// End the server when this process ends (for tests' private emulators).
    pub exit_with_pid: Option<u32>,
    /// Also serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) on this port, with a certificate from
    /// the CA in [`Instance::tls_dir`].
    pub tls_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// None for an emulator that answers on the port but was started from elsewhere.
    pub pid: Option<u32>,
    pub endpoint: String,
    /// False when it was already running.
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// An emulator answers; `pid` is known when it is the process started from this directory.
    Running {
        pid: Option<u32>,
        state: serde_json::Value,
    },
    /// Our process is alive but does not answer (starting, or stuck).
    NotAnswering {
        pid: u32,
    },
    Stopped,
}

impl Instance {
    /// The instance on `host:port` whose files are in `dir`, with the virtualenv in `dir` too.
    pub fn new(dir: &Path, host: &str, port: u16) -> Self {
        Instance {
            dir: dir.to_path_buf(),
            host: host.to_string(),
            port,
            installation: Installation::at(dir),
        }
    }

    /// A private emulator, for tests: its files in `dir`, free ports on loopback (HTTP, and
    /// HTTPS with the CA in `dir`), the shared virtualenv of [`crate::default_dir`], started
    /// now and ending with this process.
    pub fn start_private(dir: &Path) -> Result<Instance, EmulatorError> {
        let free_port = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .map_err(|e| {
                    EmulatorError::new(format!("no free port on 127.0.0.1: {e}"), "free a port")
                })
        };
        let (port, tls_port) = (free_port()?, free_port()?);
        let mut instance = Instance::new(dir, crate::DEFAULT_HOST, port);
        instance.installation = Installation::at(&crate::default_dir());
        let options = StartOptions {
            exit_with_pid: Some(std::process::id()),
            tls_port: Some(tls_port),
            ..StartOptions::default()
        };
        instance.start(&options, &mut |line| eprintln!("{line}"))?;
        Ok(instance)
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    pub fn control(&self) -> Control {
        Control::new(&self.endpoint())
    }

    pub fn pid_file(&self) -> PathBuf {
        self.dir.join(format!("emulator-{}.pid", self.port))
    }

    pub fn log_file(&self) -> PathBuf {
        self.dir.join(format!("emulator-{}.log", self.port))
    }

    /// The CA (`ca.pem`, for clients) and the server certificates of `--tls`.
    pub fn tls_dir(&self) -> PathBuf {
        self.dir.join("tls")
    }

    /// The regions read from a real account (`local catalog --from-aws`), one
    /// `<region>.json` each; the running server re-reads them when they change.
    pub fn catalog_dir(&self) -> PathBuf {
        self.dir.join("catalog")
    }

    fn sources_dir(&self) -> PathBuf {
        self.dir.join(format!("python-{}", self.port))
    }

    /// The pid in the pid file, if that process is alive and is this instance's server.
    fn our_pid(&self) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.pid_file())
            .ok()?
            .trim()
            .parse()
            .ok()?;
        is_our_process(pid, self.port).then_some(pid)
    }

    fn answers(&self) -> Option<serde_json::Value> {
        self.control().state().ok()
    }

    pub fn status(&self) -> Status {
        match (self.our_pid(), self.answers()) {
            (pid, Some(state)) => Status::Running { pid, state },
            (Some(pid), None) => Status::NotAnswering { pid },
            (None, None) => Status::Stopped,
        }
    }

    /// Install if needed, then start the server in the background and wait until it answers.
    /// Starting a running instance is harmless: it says so and changes nothing.
    pub fn start(
        &self,
        options: &StartOptions,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Started, EmulatorError> {
        // Two starts at once (two shells, a `local start` beside a `--local` command) take
        // turns: the second finds the first's emulator running, instead of racing it for the
        // port, the pid file and the log.
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            EmulatorError::new(
                format!("cannot create {}: {e}", self.dir.display()),
                "check that the directory is writable, or point BEDROCK_EMULATOR_DIR at one that is",
            )
        })?;
        let lock_path = self.dir.join(format!("emulator-{}.start.lock", self.port));
        let lock = lock_file(&lock_path)?;
        let started = self.start_locked(options, progress);
        // The lock file goes with the start, so that a directory does not keep one for every
        // port ever started (a start waiting on it sees it gone and takes a new one).
        #[cfg(unix)]
        let _ = std::fs::remove_file(&lock_path);
        drop(lock);
        started
    }

    fn start_locked(
        &self,
        options: &StartOptions,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Started, EmulatorError> {
        if let Some(pid) = self.our_pid() {
            let log_start = std::fs::metadata(self.log_file()).map_or(0, |m| m.len());
            if self.wait_ready(pid, log_start).is_ok() {
                return Ok(Started {
                    pid: Some(pid),
                    endpoint: self.endpoint(),
                    new: false,
                });
            }
        }
        // An emulator of this project started from another directory (a test's, another
        // checkout's) serves just as well.
        if self.answers().is_some() {
            return Ok(Started {
                pid: None,
                endpoint: self.endpoint(),
                new: false,
            });
        }
        if self.taken(self.port)? {
            return Err(EmulatorError::new(
                format!("something else is listening on {}:{}", self.host, self.port),
                format!("stop it, or use another port for the emulator: `BEDROCK_EMULATOR_PORT={} {} local start` (and the same BEDROCK_EMULATOR_PORT for the other commands)", self.port + 2, crate::program()),
            ));
        }
        if let Some(tls) = options.tls_port {
            if tls == self.port {
                return Err(EmulatorError::new(
                    format!("--tls-port {tls} is the emulator's HTTP port too"),
                    "give HTTPS a port of its own, e.g. the next one",
                ));
            }
            if self.taken(tls)? {
                return Err(EmulatorError::new(
                    format!(
                        "something else is listening on {}:{tls}, the HTTPS port",
                        self.host
                    ),
                    format!(
                        "stop it, or choose another: `--tls-port {}`",
                        tls.saturating_add(1)
                    ),
                ));
            }
        }
        self.installation.ensure(progress)?;
        self.write_sources()?;
        // A failed start shows the log from here on, not earlier runs' lines.
        let log_start = std::fs::metadata(self.log_file()).map_or(0, |m| m.len());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())
            .map_err(|e| {
                EmulatorError::new(
                    format!("cannot open {}: {e}", self.log_file().display()),
                    "check that the directory is writable, or point BEDROCK_EMULATOR_DIR at one that is",
                )
            })?;
        let log_err = log.try_clone().map_err(|e| {
            EmulatorError::new(format!("cannot open the log twice: {e}"), "check the disk")
        })?;
        let mut command = Command::new(self.installation.python());
        command
            .args([
                "-m",
                "bedrock_emulator",
                "--host",
                &self.host,
                "--port",
                &self.port.to_string(),
            ])
            .current_dir(self.sources_dir())
            .env("PYTHONPATH", self.sources_dir())
            .env("PYTHONUNBUFFERED", "1")
            // AWS-managed policies (arn:aws:iam::aws:policy/...) exist in every AWS account;
            // moto loads them only when asked.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        if let Some(ms) = options.latency_ms {
            command.args(["--latency-ms", &ms.to_string()]);
        }
        if let Some(s) = options.propagation_delay_seconds {
            command.args(["--propagation-delay", &s.to_string()]);
        }
        if let Some(pid) = options.exit_with_pid {
            command.args(["--exit-with-pid", &pid.to_string()]);
        }
        command.arg("--catalog-dir").arg(self.catalog_dir());
        if let Some(port) = options.tls_port {
            command.args(["--tls-port", &port.to_string(), "--tls-dir"]);
            command.arg(self.tls_dir());
        }
        // Its own process group: a Ctrl-C meant for the command that started it does not
        // stop the emulator, which outlives that command on purpose.
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command.spawn().map_err(|e| {
            EmulatorError::new(
                format!("cannot start {}: {e}", self.installation.python().display()),
                "the virtualenv may be damaged: delete target/emulator/venv and start again",
            )
        })?;
        let pid = child.id();
        std::fs::write(self.pid_file(), format!("{pid}\n")).map_err(|e| {
            EmulatorError::new(
                format!("cannot write {}: {e}", self.pid_file().display()),
                "check the disk",
            )
        })?;
        // The child is not waited for: it runs on after this process exits. Dropping the
        // handle does not kill it.
        drop(child);
        self.wait_ready(pid, log_start)?;
        Ok(Started {
            pid: Some(pid),
            endpoint: self.endpoint(),
            new: true,
        })
    }

    fn write_sources(&self) -> Result<(), EmulatorError> {
        let package = self.sources_dir().join("bedrock_emulator");
        std::fs::create_dir_all(&package).map_err(|e| {
            EmulatorError::new(
                format!("cannot create {}: {e}", package.display()),
                "check that the directory is writable, or point BEDROCK_EMULATOR_DIR at one that is",
            )
        })?;
        for (name, text) in SOURCES {
            std::fs::write(package.join(name), text).map_err(|e| {
                EmulatorError::new(
                    format!("cannot write {}: {e}", package.join(name).display()),
                    "check the disk",
                )
            })?;
        }
        Ok(())
    }

    /// Whether something listens on `port` of the host.
    fn taken(&self, port: u16) -> Result<bool, EmulatorError> {
        let address = format!("{}:{port}", self.host).parse().map_err(|e| {
            EmulatorError::new(
                format!("{}:{port} is not an address: {e}", self.host),
                "pass --host as an IP address, e.g. 127.0.0.1 (or 0.0.0.0 for every interface)",
            )
        })?;
        Ok(std::net::TcpStream::connect_timeout(&address, Duration::from_millis(300)).is_ok())
    }

    fn wait_ready(&self, pid: u32, log_start: u64) -> Result<(), EmulatorError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if self.answers().is_some() {
                return Ok(());
            }
            if !process_alive(pid) {
                let _ = std::fs::remove_file(self.pid_file());
                let log = std::fs::read(self.log_file())
                    .map(|bytes| {
                        let from = usize::try_from(log_start).unwrap_or(0).min(bytes.len());
                        String::from_utf8_lossy(&bytes[from..]).into_owned()
                    })
                    .unwrap_or_default();
                return Err(EmulatorError::new(
                    format!(
                        "the emulator exited while starting; the end of {}:\n{}",
                        self.log_file().display(),
                        tail(&log, 20)
                    ),
                    format!(
                        "fix what the log says; `{}` again reinstalls nothing that is current",
                        crate::local_command("start", &self.host, self.port)
                    ),
                ));
            }
            if Instant::now() > deadline {
                return Err(EmulatorError::new(
                    format!(
                        "the emulator (pid {pid}) did not answer on {} within {}s",
                        self.endpoint(),
                        READY_TIMEOUT.as_secs()
                    ),
                    format!(
                        "see {}; `{}` ends it",
                        self.log_file().display(),
                        crate::local_command("stop", &self.host, self.port)
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stop the process this instance started (and only that one). Returns its pid, or None
    /// when nothing was running.
    pub fn stop(&self) -> Result<Option<u32>, EmulatorError> {
        let Some(pid) = self.our_pid() else {
            let _ = std::fs::remove_file(self.pid_file());
            return Ok(None);
        };
        signal(pid, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while process_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if process_alive(pid) {
            signal(pid, libc::SIGKILL);
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = std::fs::remove_file(self.pid_file());
        Ok(Some(pid))
    }

    /// Empty all state: every service's resources, and the latency, faults and delay.
    pub fn reset(&self) -> Result<(), EmulatorError> {
        self.control().reset()
    }
}

fn signal(pid: u32, sig: libc::c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) has no memory-safety preconditions; the pid was checked to be our
    // server's just before.
    unsafe {
        libc::kill(pid, sig);
    }
}

fn process_alive(pid: u32) -> bool {
    // A zombie (exited, not yet reaped by its parent) counts as gone.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Whether `pid` is a live emulator server on `port`: its command line is
/// `python -m bedrock_emulator ... --port <port>`. A recycled pid never matches.
fn is_our_process(pid: u32, port: u16) -> bool {
    if !process_alive(pid) {
        return false;
    }
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let port = port.to_string();
    args.iter().any(|a| a == "bedrock_emulator")
        && args.windows(2).any(|w| w[0] == "--port" && w[1] == port)
}

/// `path`, created and locked: the file at `path` when the lock is taken (a holder that
/// removed it before letting go leaves the waiter a file no one else locks: it takes the
/// path's new one instead).
fn lock_file(path: &Path) -> Result<std::fs::File, EmulatorError> {
    loop {
        let file = std::fs::File::create(path).map_err(|e| {
            EmulatorError::new(
                format!("cannot create {}: {e}", path.display()),
                "check that the directory is writable, or point BEDROCK_EMULATOR_DIR at one that is",
            )
        })?;
        file.lock().map_err(|e| {
            EmulatorError::new(format!("cannot lock {}: {e}", path.display()), "try again")
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let same = match (file.metadata(), std::fs::metadata(path)) {
                (Ok(held), Ok(now)) => held.ino() == now.ino() && held.dev() == now.dev(),
                _ => false,
            };
            if !same {
                continue;
            }
        }
        return Ok(file);
    }
}

#[cfg(test)]
mod tests {
    use super::lock_file;

    #[test]
    fn a_start_lock_removed_by_its_holder_is_taken_anew_by_the_waiter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("emulator-1.start.lock");
        let first = lock_file(&path).unwrap();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || lock_file(&path).unwrap())
        };
        std::thread::sleep(std::time::Duration::from_millis(200));
        // The holder's turn ends as a start's does: the file removed, then the lock let go.
        std::fs::remove_file(&path).unwrap();
        drop(first);
        let second = waiter.join().unwrap();
        // The waiter holds the file now at the path, not the removed one: a third start
        // waits on it.
        let third = std::fs::File::open(&path).unwrap();
        assert!(third.try_lock().is_err());
        drop(second);
        assert!(third.try_lock().is_ok());
    }
}

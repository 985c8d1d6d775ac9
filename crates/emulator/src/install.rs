//! The virtualenv: created on first use with the machine's python3, holding exactly the
//! pinned requirements; reinstalled when they change. Concurrent installs (parallel test
//! binaries, two shells) wait for each other on a lock file.

use crate::EmulatorError;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned Python dependencies (moto[server] and everything it pulls in).
pub const REQUIREMENTS: &str = include_str!("../python/requirements.txt");

/// The extension's sources, written next to each running instance so that the server always
/// runs the code this binary was built with.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "__init__.py",
        include_str!("../python/bedrock_emulator/__init__.py"),
    ),
    (
        "access.py",
        include_str!("../python/bedrock_emulator/access.py"),
    ),
    (
        "__main__.py",
        include_str!("../python/bedrock_emulator/__main__.py"),
    ),
    (
        "budgets_fidelity.py",
        include_str!("../python/bedrock_emulator/budgets_fidelity.py"),
    ),
    (
        "catalog.json",
        include_str!("../python/bedrock_emulator/catalog.json"),
    ),
    (
        "catalog.py",
        include_str!("../python/bedrock_emulator/catalog.py"),
    ),
    (
        "controls.py",
        include_str!("../python/bedrock_emulator/controls.py"),
    ),
    (
        "cbor_bridge.py",
        include_str!("../python/bedrock_emulator/cbor_bridge.py"),
    ),
    (
        "cost.py",
        include_str!("../python/bedrock_emulator/cost.py"),
    ),
    (
        "errors.py",
        include_str!("../python/bedrock_emulator/errors.py"),
    ),
    (
        "iam_fidelity.py",
        include_str!("../python/bedrock_emulator/iam_fidelity.py"),
    ),
    (
        "api_keys.py",
        include_str!("../python/bedrock_emulator/api_keys.py"),
    ),
    (
        "mantle.py",
        include_str!("../python/bedrock_emulator/mantle.py"),
    ),
    (
        "organizations_fidelity.py",
        include_str!("../python/bedrock_emulator/organizations_fidelity.py"),
    ),
    (
        "paging.py",
        include_str!("../python/bedrock_emulator/paging.py"),
    ),
    (
        "guardrails.py",
        include_str!("../python/bedrock_emulator/guardrails.py"),
    ),
    (
        "iam_eval.py",
        include_str!("../python/bedrock_emulator/iam_eval.py"),
    ),
    (
        "invocation_log.py",
        include_str!("../python/bedrock_emulator/invocation_log.py"),
    ),
    (
        "logging_config.py",
        include_str!("../python/bedrock_emulator/logging_config.py"),
    ),
    (
        "monitoring_fidelity.py",
        include_str!("../python/bedrock_emulator/monitoring_fidelity.py"),
    ),
    (
        "profiles.py",
        include_str!("../python/bedrock_emulator/profiles.py"),
    ),
    (
        "protocols.py",
        include_str!("../python/bedrock_emulator/protocols.py"),
    ),
    (
        "rates.py",
        include_str!("../python/bedrock_emulator/rates.py"),
    ),
    // AWS's request rates: the table the tool paces its calls by, enforced on demand.
    ("rates.toml", include_str!("../../aws/rates.toml")),
    (
        "runtime.py",
        include_str!("../python/bedrock_emulator/runtime.py"),
    ),
    (
        "s3_fidelity.py",
        include_str!("../python/bedrock_emulator/s3_fidelity.py"),
    ),
    (
        "server.py",
        include_str!("../python/bedrock_emulator/server.py"),
    ),
    (
        "service_quotas.json",
        include_str!("../python/bedrock_emulator/service_quotas.json"),
    ),
    (
        "service_quotas.py",
        include_str!("../python/bedrock_emulator/service_quotas.py"),
    ),
    (
        "sts_fidelity.py",
        include_str!("../python/bedrock_emulator/sts_fidelity.py"),
    ),
    ("tls.py", include_str!("../python/bedrock_emulator/tls.py")),
    (
        "validation.py",
        include_str!("../python/bedrock_emulator/validation.py"),
    ),
];

/// The interpreter the virtualenv is made from.
#[derive(Debug, Clone)]
pub struct Python {
    pub program: PathBuf,
    pub version: (u32, u32),
}

impl Python {
    /// `python3` on PATH (or `BEDROCK_EMULATOR_PYTHON`), checked to be 3.9 or newer.
    pub fn find() -> Result<Python, EmulatorError> {
        let program = std::env::var_os("BEDROCK_EMULATOR_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("python3"));
        let missing = || {
            EmulatorError::new(
                format!("the emulator needs Python 3.9 or newer, and `{}` was not found", program.display()),
                "install Python 3 with its venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`; macOS: `brew install python`), or point BEDROCK_EMULATOR_PYTHON at an interpreter",
            )
        };
        let out = Command::new(&program)
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .output()
            .map_err(|_| missing())?;
        if !out.status.success() {
            return Err(missing());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .trim()
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
            .ok_or_else(missing)?;
        if version < (3, 9) {
            return Err(EmulatorError::new(
                format!(
                    "the emulator needs Python 3.9 or newer; `{}` is {}.{}",
                    program.display(),
                    version.0,
                    version.1
                ),
                "install a newer Python 3 (with its venv module), or point BEDROCK_EMULATOR_PYTHON at one",
            ));
        }
        Ok(Python { program, version })
    }
}

/// A virtualenv with the pinned requirements.
#[derive(Debug, Clone)]
pub struct Installation {
    pub venv: PathBuf,
}

impl Installation {
    pub fn at(dir: &Path) -> Self {
        Installation {
            venv: dir.join("venv"),
        }
    }

    pub fn python(&self) -> PathBuf {
        self.venv.join("bin").join("python")
    }

    fn marker(&self) -> PathBuf {
        self.venv.join("installed-requirements.txt")
    }

    /// Whether the virtualenv holds exactly the pinned requirements.
    pub fn is_current(&self) -> bool {
        self.python().is_file()
            && std::fs::read_to_string(self.marker()).is_ok_and(|m| m == REQUIREMENTS)
    }

    /// Create or update the virtualenv. Returns whether anything was installed.
    /// `progress` hears one line before the slow part.
    pub fn ensure(&self, progress: &mut dyn FnMut(&str)) -> Result<bool, EmulatorError> {
        if self.is_current() {
            return Ok(false);
        }
        let parent = self.venv.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| {
            EmulatorError::new(
                format!("cannot create {}: {e}", parent.display()),
                "check that the directory is writable, or point BEDROCK_EMULATOR_DIR at one that is",
            )
        })?;
        let lock = File::create(parent.join("install.lock")).map_err(|e| {
            EmulatorError::new(
                format!(
                    "cannot create the install lock in {}: {e}",
                    parent.display()
                ),
                "check that the directory is writable, or point BEDROCK_EMULATOR_DIR at one that is",
            )
        })?;
        // Another process may be installing: wait for it, then look again.
        lock.lock().map_err(|e| {
            EmulatorError::new(
                format!("cannot lock the emulator install: {e}"),
                "try again",
            )
        })?;
        if self.is_current() {
            return Ok(false);
        }
        let python = Python::find()?;
        progress(&format!(
            "installing the emulator (moto and its dependencies, pinned) into {} with Python {}.{}; this happens once",
            self.venv.display(),
            python.version.0,
            python.version.1
        ));
        if self.venv.exists() {
            std::fs::remove_dir_all(&self.venv).map_err(|e| {
                EmulatorError::new(
                    format!(
                        "cannot remove the outdated virtualenv {}: {e}",
                        self.venv.display()
                    ),
                    "remove it by hand and try again",
                )
            })?;
        }
        let result = self.install(&python);
        if result.is_err() {
            // Never leave a half-made virtualenv that looks usable.
            let _ = std::fs::remove_dir_all(&self.venv);
        }
        result.map(|()| true)
    }

    fn install(&self, python: &Python) -> Result<(), EmulatorError> {
        let out = Command::new(&python.program)
            .args(["-m", "venv"])
            .arg(&self.venv)
            .output()
            .map_err(|e| {
                EmulatorError::new(
                    format!("cannot run {}: {e}", python.program.display()),
                    "check the Python installation",
                )
            })?;
        if !out.status.success() {
            return Err(EmulatorError::new(
                format!(
                    "`{} -m venv` failed: {}",
                    python.program.display(),
                    tail(&String::from_utf8_lossy(&out.stderr), 5)
                ),
                "install Python's venv module (Debian/Ubuntu: `apt-get install python3-venv`)",
            ));
        }
        let requirements = self.venv.join("requirements.txt");
        std::fs::write(&requirements, REQUIREMENTS).map_err(|e| {
            EmulatorError::new(
                format!("cannot write {}: {e}", requirements.display()),
                "check the disk",
            )
        })?;
        let out = Command::new(self.python())
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "-r",
            ])
            .arg(&requirements)
            .output()
            .map_err(|e| {
                EmulatorError::new(format!("cannot run pip: {e}"), "check the virtualenv")
            })?;
        if !out.status.success() {
            return Err(EmulatorError::new(
                format!(
                    "installing the emulator's Python packages failed:\n{}",
                    tail(&String::from_utf8_lossy(&out.stderr), 15)
                ),
                "the packages come from PyPI: check the network or the pip configuration (PIP_INDEX_URL), then start the emulator again (`local start`)",
            ));
        }
        std::fs::write(self.marker(), REQUIREMENTS).map_err(|e| {
            EmulatorError::new(
                format!("cannot write {}: {e}", self.marker().display()),
                "check the disk",
            )
        })
    }
}

/// The last `n` lines of a text.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    /// Every file of the extension travels in the binary: one left out of SOURCES would be
    /// missing from the installed emulator, which then fails to start.
    #[test]
    fn every_extension_file_is_in_sources() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/bedrock_emulator");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".py") || name.ends_with(".json"))
            .collect();
        on_disk.sort();
        // rates.toml is the tool's table (crates/aws), shared with the emulator.
        let mut listed: Vec<String> = super::SOURCES
            .iter()
            .map(|(n, _)| n.to_string())
            .filter(|n| n != "rates.toml")
            .collect();
        listed.sort();
        assert_eq!(listed, on_disk);
    }
}

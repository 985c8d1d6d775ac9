//! The `bedrock.toml` spec: what the user declares, parsed and checked against every rule
//! AWS and LibreChat would otherwise enforce later, one at a time, mid-way through an apply.
//!
//! [`check`] never panics and never stops at the first problem: it walks the whole document
//! and returns every error and warning with the key path and its span in the source.

mod decode;
mod diagnostic;
pub mod endpoint_keys;
pub mod guardrail_rules;
pub mod mantle;
mod model;
pub mod rules;

pub use decode::check;
pub use diagnostic::{Diagnostic, Report, Severity};
pub use endpoint_keys::{EndpointKey, EndpointValue, KeyKind, ENDPOINT_KEYS};
pub use model::{
    Access, ApiKey, Budget, BudgetAlert, Cost, Destination, Guardrail, GuardrailSpec,
    GuardrailTarget, Irsa, LibreChat, LibreChatRole, Logging, Monitoring, Profile, QuotaIncrease,
    Quotas, Spec, Stack, Topic, UseCase, ACCOUNT_PLACEHOLDER, MANAGED_BY_TAG, MANAGED_BY_VALUE,
    STACK_TAG,
};

use std::ops::Range;
use std::path::{Path, PathBuf};

/// The outcome of checking a spec: the spec when it has no error, and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    pub spec: Option<Spec>,
    pub diagnostics: Vec<Diagnostic>,
    /// Span of every value by key path (`logging.bucket`, `profiles[0].model`), so that later
    /// phases can point back into the file.
    pub spans: std::collections::BTreeMap<String, Range<usize>>,
}

/// A spec read from disk and checked; `report` renders its diagnostics against the source.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub source: String,
    pub checked: Checked,
}

impl Loaded {
    pub fn report(&self) -> Report<'_> {
        Report {
            file: &self.path,
            source: &self.source,
            diagnostics: &self.checked.diagnostics,
        }
    }
}

/// Reading the spec file failed before any checking could start.
#[derive(Debug)]
pub struct ReadError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot read the spec {}: {}",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for ReadError {}

/// Read and check the spec at `path`.
pub fn load(path: &Path) -> Result<Loaded, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| ReadError {
        path: path.to_path_buf(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => {
                "no such file (check the path, pass --config PATH for another spec, or create this one: the `init` command writes a commented example)".to_string()
            }
            _ => e.to_string(),
        },
    })?;
    let source = String::from_utf8(bytes).map_err(|e| ReadError {
        path: path.to_path_buf(),
        message: format!(
            "not valid UTF-8 (byte {}): TOML files must be UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let checked = check(&source);
    Ok(Loaded {
        path: path.to_path_buf(),
        source,
        checked,
    })
}

//! What a run says, and how it ends: the engine decides what is said and when; the CLI's
//! [`Console`] decides how it reaches the terminal (stdout, stderr above progress bars, a
//! closed pipe). Exit codes are the product contract's.

/// The exit codes of the product contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Error = 1,
    Changes = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

impl Exit {
    /// The worse of two exit codes: an error over changes over success.
    pub fn worst(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Success => 0,
            Exit::Changes => 1,
            Exit::Error => 2,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// Where a run's words go.
pub trait Console: Sync {
    /// What the command prints on stdout (a plan, a report, a JSON document).
    fn out(&self, text: &str);
    /// A line (or lines) for stderr: notes, progress, the calls line.
    fn note(&self, text: &str);
    /// A line of the embedded emulator's start (its first install prints several); `None`
    /// once it is up.
    fn starting(&self, line: Option<&str>) {
        if let Some(line) = line {
            self.note(line);
        }
    }
}

/// A value as `--json` prints it: pretty, with a final newline.
pub fn json_text(value: &impl serde::Serialize) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

//! Exit codes, colour, printing (a closed pipe is not a panic), the confirmation prompt,
//! and loading the spec with its report printed.

pub use bedrock_engine::{json_text, Exit};
use bedrock_engine::{Console, Error, Spec};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;

/// The terminal as the engine's [`Console`]: stdout, stderr above any progress bar, and the
/// embedded emulator's start drawn as a spinner.
#[derive(Default)]
pub(crate) struct Terminal {
    starting: Mutex<Option<crate::progress::Starting>>,
}

impl Console for Terminal {
    fn out(&self, text: &str) {
        out(text);
    }

    fn note(&self, text: &str) {
        note(text);
    }

    fn starting(&self, line: Option<&str>) {
        let Ok(mut starting) = self.starting.lock() else {
            return;
        };
        match line {
            Some(line) => starting
                .get_or_insert_with(crate::progress::Starting::new)
                .line(line),
            None => *starting = None,
        }
    }
}

fn color_for(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colour on stdout only for a terminal, and never when NO_COLOR is set.
pub(crate) fn stdout_color() -> bool {
    color_for(std::io::stdout().is_terminal())
}

pub(crate) fn stderr_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// Write to stdout. When the reader has gone (`| head`), stop quietly: there is no one left
/// to tell but stderr.
pub(crate) fn out(text: impl std::fmt::Display) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = write!(stdout, "{text}").and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(std::io::stderr(), "error: stdout was closed; stopping");
            std::process::exit(Exit::Error as i32);
        }
    }
}

/// A line to stderr (progress, notes, the calls line), above any progress bar; a closed
/// stderr is ignored.
pub(crate) fn note(text: impl std::fmt::Display) {
    crate::progress::println(&text.to_string());
}

pub(crate) fn print_json(value: &impl serde::Serialize) {
    out(json_text(value));
}

/// Ask on a terminal; refuse without one. `plan` is the command that shows the changes.
pub(crate) fn confirm(question: &str, yes: bool, plan: &str) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::other(
            "refusing to change AWS without confirmation: stdin is not a terminal",
            format!("pass --yes to run without a prompt (CI), after reviewing `{plan}`"),
        ));
    }
    eprint!("{question} Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() || answer.trim() != "yes" {
        return Err(Error::other(
            "cancelled: nothing was changed",
            format!("answer 'yes' to apply, or review `{plan}` first"),
        ));
    }
    Ok(())
}

/// Load and check the spec, printing its diagnostics to stderr (an invalid spec's report
/// says everything: the error is `Reported`).
pub(crate) fn load_spec(config: &Path) -> Result<Spec, Error> {
    let loaded = bedrock_engine::load_spec(config)?;
    let report = loaded.report();
    if !report.diagnostics.is_empty() {
        eprint!("{}", report.render(stderr_color()));
    }
    loaded.checked.spec.clone().ok_or(Error::Reported)
}

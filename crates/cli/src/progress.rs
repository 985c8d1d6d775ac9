//! Progress of long steps (installing the emulator, waiting for IAM propagation, creating
//! many resources), drawn on stderr when it is a terminal, and nothing otherwise: logs and
//! CI get the same lines as before, never a bar.

use bedrock_engine::{Progress, ProgressFn};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Whether progress is drawn: stderr is a terminal that can redraw a line.
fn drawn() -> bool {
    std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// A line to stderr, above the bars drawn so far when there are any; a closed stderr is
/// ignored.
pub(crate) fn println(text: &str) {
    match BARS.get() {
        Some(bars) => {
            let _ = bars.println(text);
        }
        None => {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }
}

fn bars() -> Option<&'static MultiProgress> {
    drawn()
        .then(|| BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())))
}

/// A spinner with `message` and the time it has run; hidden when not drawn.
pub(crate) fn spinner(message: &str) -> ProgressBar {
    let Some(bars) = bars() else {
        return ProgressBar::hidden();
    };
    let bar = bars.add(ProgressBar::new_spinner());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A bar over `total` steps, named by `prefix` (the account, with several); hidden when not
/// drawn.
pub(crate) fn steps(total: usize, prefix: &str) -> ProgressBar {
    let Some(bars) = bars() else {
        return ProgressBar::hidden();
    };
    let bar = bars.add(ProgressBar::new(total as u64));
    bar.set_style(
        ProgressStyle::with_template("{prefix}[{bar:24}] {pos}/{len} {wide_msg}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix(prefix.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Apply's progress: the bar moves and shows the step in flight or the wait; each step done
/// is a line (`done: ...`), as in a log. `prefix` starts each line (the account, with
/// several).
pub(crate) fn apply(bar: ProgressBar, prefix: String) -> ProgressFn {
    Arc::new(move |p: Progress<'_>| {
        match p {
        Progress::Start(what) => bar.set_message(what.to_string()),
        Progress::Done(what) => {
            bar.inc(1);
            println(&format!("{prefix}  done: {what}"));
        }
        Progress::Waiting(what, waited) => bar.set_message(format!(
            "{what}: waiting for AWS to catch up (a new IAM role takes a few seconds to be usable), {}s so far",
            waited.as_secs()
        )),
    }
    })
}

/// The emulator's lines as it starts; its install (the slow part) under a spinner.
pub(crate) struct Starting {
    spinner: Option<ProgressBar>,
}

impl Starting {
    pub(crate) fn new() -> Self {
        Starting { spinner: None }
    }

    pub(crate) fn line(&mut self, line: &str) {
        println(line);
        if line.starts_with("installing the emulator") && self.spinner.is_none() {
            self.spinner = Some(spinner("installing the emulator's Python packages"));
        }
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
    }
}

//! `verify` and `doctor`: the guide's verification and troubleshooting, as the engine
//! reports them.

use crate::output::{note, out, print_json, Exit};
use crate::stack_args::StackArgs;
use bedrock_engine::Error;
use clap::Args;

/// Read the invocation logs: per model, calls through its profile ARN or its raw id, tokens.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// How far back to read: 30s, 15m, 2h, 1d.
    #[arg(long, default_value = "15m", value_name = "DURATION")]
    pub since: String,
    /// Then print each new record as it arrives, until interrupted.
    #[arg(long, conflicts_with = "json")]
    pub follow: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

impl VerifyArgs {
    pub fn run(self) -> Result<Exit, Error> {
        // A malformed duration is refused before anything else.
        bedrock_engine::parse_since(&self.since)?;
        let stack = self.stack.connect(self.stack.spec()?)?;
        let report = stack.verify(&self.since)?;
        if self.json {
            print_json(&report);
        } else {
            out(&report);
        }
        for p in &report.problems {
            note(format!("error: {p}"));
        }
        if self.follow {
            out(format_args!(
                "\nfollowing {} (Ctrl-C to stop)\n",
                report.log_group
            ));
            stack.follow(&report, &mut |line| {
                match line {
                    Ok(l) => out(format_args!("{l}\n")),
                    Err(e) => note(format!("error: {e}")),
                }
                true
            });
        }
        Ok(if report.problems.is_empty() {
            Exit::Success
        } else {
            Exit::Error
        })
    }
}

/// Run the troubleshooting checks of LibreChat's guide; exit 1 when one fails.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub stack: StackArgs,
}

impl DoctorArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let stack = self.stack.connect(self.stack.spec()?)?;
        let report = stack.doctor()?;
        out(&report);
        let failed = report.failed();
        if failed > 0 {
            note(format!(
                "error: {failed} check{} failed",
                if failed == 1 { "" } else { "s" }
            ));
            return Ok(Exit::Error);
        }
        Ok(Exit::Success)
    }
}

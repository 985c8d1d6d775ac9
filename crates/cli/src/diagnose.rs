//! `verify` and `doctor`: the guide's verification and troubleshooting, as the engine
//! reports them.

use crate::output::Terminal;
use crate::output::{json_text, Exit};
use crate::stack_args::StackArgs;
use bedrock_engine::accounts::finish;
use bedrock_engine::Error;
use bedrock_engine::Outcome;
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
        if self.follow
            && (self.stack.assume_role.len() > 1
                || self.stack.organization
                || !self.stack.organization_unit.is_empty())
        {
            return Err(Error::other(
                "--follow reads one account's records as they arrive, and --assume-role, --organization or --organization-unit names several accounts",
                "follow one account at a time (one --assume-role), or leave out --follow",
            ));
        }
        let console = Terminal::default();
        let spec = self.stack.spec()?;
        let (targets, results) = self.stack.options().run_each(
            &console,
            &spec,
            "verify",
            self.json,
            |stack, sink| {
                let report = stack.verify(&self.since)?;
                if self.json {
                    sink.out(json_text(&report));
                } else {
                    sink.out(&report);
                }
                for p in &report.problems {
                    sink.note(format!("error: {p}"));
                }
                if self.follow {
                    sink.out(format_args!(
                        "\nfollowing {} (Ctrl-C to stop)\n",
                        report.log_group
                    ));
                    stack.follow(&report, &mut |line| {
                        match line {
                            Ok(l) => sink.out(format_args!("{l}\n")),
                            Err(e) => sink.note(format!("error: {e}")),
                        }
                        true
                    });
                }
                let n = report.problems.len();
                Ok(if n == 0 {
                    Outcome::new(Exit::Success, "verified")
                } else {
                    Outcome::new(
                        Exit::Error,
                        format!("{n} problem{}", if n == 1 { "" } else { "s" }),
                    )
                })
            },
        )?;
        finish(&console, &targets, results, self.json)
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
        let console = Terminal::default();
        let spec = self.stack.spec()?;
        let (targets, results) =
            self.stack
                .options()
                .run_each(&console, &spec, "doctor", false, |stack, sink| {
                    let report = stack.doctor()?;
                    sink.out(&report);
                    let failed = report.failed();
                    if failed > 0 {
                        let checks = format!(
                            "{failed} check{} failed",
                            if failed == 1 { "" } else { "s" }
                        );
                        sink.note(format!("error: {checks}"));
                        return Ok(Outcome::new(Exit::Error, checks));
                    }
                    Ok(Outcome::new(Exit::Success, "every check passed"))
                })?;
        finish(&console, &targets, results, false)
    }
}

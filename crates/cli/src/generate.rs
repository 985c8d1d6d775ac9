//! `generate`: write (or with `--check`, compare) the generated files; with AWS, `.env` and
//! LibreChat's policy from the live ARNs too.

use crate::output::Terminal;
use crate::output::{note, out, Exit};
use crate::stack_args::StackArgs;
use bedrock_engine::accounts::finish;
use bedrock_engine::Error;
use bedrock_engine::Outcome;
use bedrock_engine::ACCOUNT_PLACEHOLDER;
use clap::Args;

/// Write librechat.yaml and the rendered policies (and .env, from live ARNs, unless --offline).
#[derive(Args, Debug)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Use the spec alone: no AWS call (writes no .env).
    #[arg(long, conflicts_with_all = ["local", "endpoint_url", "accounts", "summary"])]
    pub offline: bool,
    /// Write nothing; exit 2 and name each file that is out of date.
    #[arg(long)]
    pub check: bool,
}

impl GenerateArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let console = Terminal::default();
        let spec = self.stack.spec()?;
        if !self.offline {
            let (targets, results) =
                self.stack
                    .options()
                    .run_each(&console, &spec, "generate", false, |s, sink| {
                        let report = s.generate(self.check)?;
                        sink.out(&report);
                        let stale = report.stale();
                        Ok(if self.check && stale > 0 {
                            Outcome::new(
                                Exit::Changes,
                                format!(
                                    "{stale} file{} out of date",
                                    if stale == 1 { "" } else { "s" }
                                ),
                            )
                        } else if self.check {
                            Outcome::new(Exit::Success, "files current")
                        } else {
                            Outcome::new(Exit::Success, "files generated")
                        })
                    })?;
            return finish(&console, &targets, results, false);
        }
        let report = bedrock_engine::generate_offline(
            &spec,
            &self.stack.paths(),
            &self.stack.suggest(),
            self.check,
        )?;
        if report.placeholder_account && !self.check {
            note(format!(
                "note: [stack] account_id does not name one account: the rendered policies use the placeholder account {ACCOUNT_PLACEHOLDER}"
            ));
        }
        out(&report);
        Ok(if self.check && report.stale() > 0 {
            Exit::Changes
        } else {
            Exit::Success
        })
    }
}

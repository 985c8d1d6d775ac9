//! `generate`: write (or with `--check`, compare) the generated files; with AWS, `.env` and
//! LibreChat's policy from the live ARNs too.

use crate::output::{note, out, Exit};
use crate::stack_args::StackArgs;
use bedrock_engine::Error;
use bedrock_spec::ACCOUNT_PLACEHOLDER;
use clap::Args;

/// Write librechat.yaml and the rendered policies (and .env, from live ARNs, unless --offline).
#[derive(Args, Debug)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub stack: StackArgs,
    /// Use the spec alone: no AWS call (writes no .env).
    #[arg(long, conflicts_with_all = ["local", "endpoint_url"])]
    pub offline: bool,
    /// Write nothing; exit 2 and name each file that is out of date.
    #[arg(long)]
    pub check: bool,
}

impl GenerateArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let spec = self.stack.spec()?;
        let report = if self.offline {
            bedrock_engine::generate_offline(
                &spec,
                &self.stack.paths(),
                &self.stack.suggest(),
                self.check,
            )?
        } else {
            self.stack.connect(spec)?.generate(self.check)?
        };
        if report.placeholder_account && self.offline && !self.check {
            note(format!(
                "note: [stack] account_id is not set: the rendered policies use the placeholder account {ACCOUNT_PLACEHOLDER}"
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

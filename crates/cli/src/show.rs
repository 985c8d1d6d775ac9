//! `show FILE`: a saved plan, printed as `plan` printed it when it was saved (Terraform's
//! `show PLANFILE`). Reads the file only: no spec, no AWS.

use crate::output::{json_text, note, out, Exit};
use bedrock_engine::Error;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Print a saved plan (`plan --save FILE`) as `plan` printed it; reads the file only.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The saved plan.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print it as `plan --json` did: the plan, or `{"accounts": [...]}` for several.
    #[arg(long)]
    pub json: bool,
}

impl ShowArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let shown = self.file.display().to_string();
        let saved = bedrock_engine::read_any(&self.file)?;
        match (self.json, saved.accounts.as_slice()) {
            (true, [one]) => out(json_text(&one.plan)),
            (true, many) => out(json_text(&json!({
                "accounts": many
                    .iter()
                    .map(|a| json!({"account_id": a.account_id, "plan": a.plan}))
                    .collect::<Vec<_>>()
            }))),
            (false, [one]) => out(&one.shown),
            (false, many) => {
                for a in many {
                    out(format_args!(
                        "=== account {} ===\n{}\n",
                        a.account_id, a.shown
                    ));
                }
            }
        }
        let place = if saved.endpoint == bedrock_engine::AWS_ENDPOINT {
            "AWS".to_string()
        } else {
            saved.endpoint.clone()
        };
        note(format!(
            "{shown}: a saved {} plan of stack {:?}, planned against {place}; `{} apply --plan {shown}` carries it out",
            saved.mode,
            saved.stack,
            crate::program(),
        ));
        Ok(Exit::Success)
    }
}

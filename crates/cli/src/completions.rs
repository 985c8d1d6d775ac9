//! `completions <shell>`: shell completions for every command and flag, named as the user
//! runs this tool.

use crate::output::{out, Exit};
use bedrock_engine::Error;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print shell completions (bash, zsh, fish, elvish, powershell) on stdout.
///
/// bash: `librechat-bedrock completions bash > ~/.local/share/bash-completion/completions/librechat-bedrock`;
/// zsh: into a directory of your `fpath` as `_librechat-bedrock`;
/// fish: `> ~/.config/fish/completions/librechat-bedrock.fish`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let program = crate::program();
        if program.contains(' ') && self.shell != Shell::Bash {
            return Err(Error::other(
                format!(
                    "completions for `{program}` (a cargo subcommand) are made for bash only: they hook into cargo's own completion, which only bash's scripts let a script extend"
                ),
                format!(
                    "in zsh, load bash completions (`autoload -U +X bashcompinit && bashcompinit`) and source `{program} completions bash`; or install the binary (`cargo install --path crates/librechat-bedrock`) and use `librechat-bedrock completions {}`",
                    self.shell
                ),
            ));
        }
        out(script(self.shell, program));
        Ok(Exit::Success)
    }
}

/// The completion script of `shell` for `program`.
fn script(shell: Shell, program: &str) -> String {
    if let Some(("cargo", words)) = program.split_once(' ') {
        return cargo_subcommand(program, words);
    }
    // clap_complete's bash script names its cases from the binary's name with `-` escaped one
    // way for the top level and another for the subcommands, so that nothing below the top
    // level completes for a name with `-`. Generated under a name without it, then registered
    // for the real one.
    let name: String = if shell == Shell::Bash {
        program
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    } else {
        program.to_string()
    };
    let mut command = crate::Cli::command()
        .name(name.clone())
        .bin_name(name.clone());
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut command, name.clone(), &mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if shell != Shell::Bash || name == program {
        return text;
    }
    text.lines()
        .map(|line| match line.strip_suffix(&format!(" {name}")) {
            Some(head) if line.trim_start().starts_with("complete ") => format!("{head} {program}"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// bash completion for a cargo subcommand (`cargo xtask`, `cargo xtask bedrock`): the tool's
/// script under a name of its own, and a completion for `cargo` that hands it the words after
/// the subcommand's, and everything else to cargo's own completion as it was (loaded on
/// demand by bash-completion, or none: then files), so `cargo b<TAB>` still completes `build`.
fn cargo_subcommand(program: &str, words: &str) -> String {
    let name: String = program
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let words: Vec<&str> = words.split_whitespace().collect();
    let skip = words.len();
    let mut command = crate::Cli::command()
        .name(name.clone())
        .bin_name(name.clone());
    let mut bytes = Vec::new();
    clap_complete::generate(Shell::Bash, &mut command, name.clone(), &mut bytes);
    let generated = String::from_utf8_lossy(&bytes).into_owned();
    // The generated registration, the script's last block, is dropped: `name` is no
    // command; `cargo` is.
    let body = generated
        .rfind("\nif [[ \"${BASH_VERSINFO[0]}\" -eq 4")
        .map_or(generated.as_str(), |end| &generated[..end]);
    let mut text = format!("{}\n", body.trim_end());
    let test = words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("${{COMP_WORDS[{}]}} == {w}", i + 1))
        .collect::<Vec<_>>()
        .join(" && ");
    text.push_str(&format!(
        r#"
# `{program}`: its words go to _{name}; cargo's own go to cargo's completion as it was.
__{name}_cargo() {{
    if [[ {test} && ${{COMP_CWORD}} -gt {skip} ]]; then
        local COMP_WORDS=({name} "${{COMP_WORDS[@]:{after}}}")
        local COMP_CWORD=$((COMP_CWORD - {skip}))
        _{name} {name} "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
        return
    fi
    if [[ -z ${{__{name}_cargo_previous}} ]] && declare -F _completion_loader >/dev/null; then
        # bash-completion loads cargo's completion on first use: load it, keep it, stay first.
        _completion_loader cargo >/dev/null 2>&1
        __{name}_cargo_previous=$(complete -p cargo 2>/dev/null | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
        [[ ${{__{name}_cargo_previous}} == __{name}_cargo ]] && __{name}_cargo_previous=
        complete -F __{name}_cargo -o bashdefault -o default cargo
    fi
    if [[ -n ${{__{name}_cargo_previous}} ]]; then
        "${{__{name}_cargo_previous}}" "$@"
    else
        COMPREPLY=()
    fi
}}
if [[ -z ${{__{name}_cargo_previous+set}} ]]; then
    __{name}_cargo_previous=$(complete -p cargo 2>/dev/null | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
    [[ ${{__{name}_cargo_previous}} == __{name}_cargo ]] && __{name}_cargo_previous=
fi
complete -F __{name}_cargo -o bashdefault -o default cargo
"#,
        after = skip + 1,
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_completes_the_flags_of_a_command_of_a_hyphenated_program() {
        let text = script(Shell::Bash, "librechat-bedrock");
        // Every case the script sets is one it handles.
        for line in text.lines().filter_map(|l| l.trim().strip_prefix("cmd=\"")) {
            let case = line.trim_end_matches('"');
            if case.is_empty() {
                continue;
            }
            assert!(
                text.contains(&format!("        {case})")),
                "no handler for {case}"
            );
        }
        assert!(text.contains("librechat_bedrock__subcmd__apply)"));
        assert!(text
            .lines()
            .any(|l| l.trim_start().starts_with("complete ") && l.ends_with(" librechat-bedrock")));
    }

    /// Each cargo form's script, sourced in bash after a stand-in for cargo's own completion:
    /// the tool's commands and flags complete after its words, and `cargo b` still gets
    /// cargo's `build`/`bench`.
    #[test]
    fn a_cargo_subcommand_completes_in_bash_and_leaves_cargo_s_own_alone() {
        for program in ["cargo xtask", "cargo xtask bedrock"] {
            let check = format!(
                r#"
_cargo_stand_in() {{ COMPREPLY=($(compgen -W "build bench" -- "$2")); }}
complete -F _cargo_stand_in cargo
{}
complete_cargo() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMPREPLY=()
    local f; f=$(complete -p cargo | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
    "$f" cargo "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "${{COMPREPLY[*]}}"
}}
echo "registered: $(complete -p cargo)"
echo "command: $(complete_cargo {program} pl)"
echo "flag: $(complete_cargo {program} plan --detailed)"
echo "cargo: $(complete_cargo cargo b)"
echo "others: $(complete -p xtask bedrock 2>&1 | grep -c '^complete')"
"#,
                script(Shell::Bash, program)
            );
            let out = std::process::Command::new("bash")
                .arg("-c")
                .arg(&check)
                .output()
                .expect("bash runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let line = |key: &str| {
                stdout
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                    .unwrap_or_else(|| {
                        panic!(
                            "{program}: no {key} line:\n{stdout}\n{}",
                            String::from_utf8_lossy(&out.stderr)
                        )
                    })
                    .to_string()
            };
            assert!(
                line("registered").ends_with(" cargo"),
                "{program}: {stdout}"
            );
            assert_eq!(line("command"), "plan", "{program}: {stdout}");
            assert_eq!(line("flag"), "--detailed-exitcode", "{program}: {stdout}");
            assert_eq!(line("cargo"), "build bench", "{program}: {stdout}");
            // Nothing registered for `xtask` or `bedrock` as commands of their own.
            assert_eq!(line("others"), "0", "{program}: {stdout}");
        }
    }
}

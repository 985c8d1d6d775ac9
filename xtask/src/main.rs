//! `cargo xtask`: the commands of `bedrock_cli`. Nothing else lives here.

fn main() -> std::process::ExitCode {
    bedrock_cli::main()
}

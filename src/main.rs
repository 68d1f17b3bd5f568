//! The `capsim` command.

fn main() -> std::process::ExitCode {
    capsim::cli::main()
}

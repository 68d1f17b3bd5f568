//! The `capsim` command.

fn main() -> std::process::ExitCode {
    restore_sigpipe();
    capsim::cli::main()
}

/// Gives SIGPIPE back its default action, which Rust's runtime sets to
/// ignore: ignored, a write to a closed pipe (`capsim run ... | head -1`)
/// fails and `println!` panics; by default the process ends quietly, as
/// Unix tools do. The terminal's account is printed after the outputs are
/// written, so they are complete when it ends.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists
    // or any handler is installed; SIG_DFL is a valid action for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

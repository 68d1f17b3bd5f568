//! `capsim completions SHELL` and `capsim man`: shell completion scripts and
//! roff man pages, both generated from the clap definitions in [`super::args`]
//! so that they never drift from the real options.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use super::args::{Cli, CompletionsArgs, ManArgs};
use super::exit::{EXIT_BAD_INPUT, EXIT_IO};
use crate::report::atomic;

/// The program's name as shells and `man` know it.
const NAME: &str = "capsim";

/// `capsim completions SHELL`: the shell's completion script on stdout.
pub fn completions(args: &CompletionsArgs) -> ExitCode {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, NAME, &mut script);
    to_stdout(&script)
}

/// The clap command as the man pages describe it: without the `help`
/// subcommand, which would otherwise get a page of its own (as
/// `clap_mangen::generate_to` does).
fn man_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Gives the subcommands their display names (`capsim-run`), which
    // name their pages and the SUBCOMMANDS list.
    cmd.build();
    cmd
}

/// `capsim man`: capsim(1) on stdout, or with `--out DIR` one page per
/// command written into DIR.
pub fn man(args: &ManArgs) -> ExitCode {
    let cmd = man_command();
    let Some(dir) = &args.out else {
        return match render(&cmd) {
            Ok(page) => to_stdout(&page),
            Err(e) => io_error("cannot render the man page", &e),
        };
    };
    // A folder that cannot hold the pages is a bad `--out`, as for
    // `capsim run` (exit 2); a page that then fails to write, exit 3.
    if let Err(e) = atomic::prepare_dir(dir) {
        eprintln!("error: cannot write man pages to `{}`: {e}", dir.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    match write_pages(&cmd, dir) {
        Ok(n) => {
            println!("wrote {n} man pages to {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => io_error(
            &format!("cannot write man pages to `{}`", dir.display()),
            &e,
        ),
    }
}

/// The roff page of `cmd`.
fn render(cmd: &clap::Command) -> io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    Ok(page)
}

/// Writes the page of `cmd` and of each of its visible subcommands, depth
/// first, into the folder `dir`, each atomically; returns how many.
fn write_pages(cmd: &clap::Command, dir: &Path) -> io::Result<usize> {
    let mut written = 0;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        written += write_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render(&mut page)?;
    atomic::write_atomic(&dir.join(man.get_filename()), &page)?;
    Ok(written + 1)
}

/// Writes `bytes` to stdout; a closed pipe (`capsim schema | head`) is
/// no error worth a message, any other failure is one.
pub(crate) fn to_stdout(bytes: &[u8]) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_IO),
        Err(e) => io_error("cannot write to standard output", &e),
    }
}

/// Reports an I/O failure and returns [`EXIT_IO`].
fn io_error(what: &str, e: &io::Error) -> ExitCode {
    eprintln!("error: {what}: {e}");
    ExitCode::from(EXIT_IO)
}

//! `xms`, the command line for the Sinch XMS SMS API: send, follow, read
//! and script SMS from a shell. Every call goes through the `xms` SDK.

mod api;
mod args;
mod auth;
mod bulk;
mod config;
mod dev;
mod exit;
mod listen;
mod output;
mod preview;
mod read;
mod send;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use args::{Cli, Command};
use exit::Failure;

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(matches) => matches,
        // clap prints the help, the version, or the usage error (exit 2).
        Err(e) => e.exit(),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

/// Commands that need no network and no runtime run at once; the others on
/// a tokio runtime started for them.
fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<(), Failure> {
    match cli.command {
        Command::Preview(args) => preview::run(&cli.global, args),
        Command::Completion { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "xms", &mut std::io::stdout());
            Ok(())
        }
        Command::Help { topic } => exit::help(&topic),
        Command::Profile(command) => auth::profile(&cli.global, command),
        // The simulator runs its own runtime and waits for signals itself.
        Command::Dev(args) => dev::dev(args),
        command => {
            exit::verbose(cli.global.verbose);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| Failure::new(exit::FAILURE, format!("cannot start: {e}")))?;
            runtime.block_on(dispatch(cli.global, command, matches))
        }
    }
}

async fn dispatch(
    global: args::Global,
    command: Command,
    matches: &clap::ArgMatches,
) -> Result<(), Failure> {
    match command {
        Command::Auth(command) => auth::run(&global, command, matches).await,
        Command::Send(args) => send::run(&global, args).await,
        Command::Batches(command) => read::batches(&global, command).await,
        Command::Reports(command) => read::reports(&global, command).await,
        Command::Watch(args) => read::watch(&global, args).await,
        Command::Inbounds(command) => read::inbounds(&global, command).await,
        Command::Groups(command) => read::groups(&global, command).await,
        Command::Tags(command) => read::tags(&global, command).await,
        Command::Listen(args) => listen::run(&global, args).await,
        Command::Api(args) => api::run(&global, args).await,
        Command::Sim(command) => dev::sim(&global, command).await,
        Command::Preview(_)
        | Command::Completion { .. }
        | Command::Help { .. }
        | Command::Profile(_)
        | Command::Dev(_) => Ok(()),
    }
}

//! `xms-simulator`: run the local XMS server until interrupted.

use std::process::ExitCode;

use clap::Parser;

/// A local, stateful XMS SMS API server.
#[derive(Parser, Debug)]
#[command(
    name = "xms-simulator",
    version,
    about = "A local, stateful XMS SMS API server",
    after_help = "Point an XMS client at the printed URL with the printed service plan id and \
        token. Recipients ending in 991, 992 and 993 fail, are rejected and expire; 994 and 995 \
        stay Queued and Dispatched. The control API under /_sim has no authentication on \
        loopback; see the crate documentation. `xms dev` (the xms command line) runs the same \
        with the UI."
)]
struct Cli {
    #[command(flatten)]
    options: xms_simulator::cli::Options,
    /// Serve the developer's desk, a web UI of the outbox, phones and
    /// controls, at /.
    #[arg(long)]
    ui: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match xms_simulator::cli::run(&cli.options, cli.ui) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xms-simulator: {message}");
            ExitCode::from(2)
        }
    }
}

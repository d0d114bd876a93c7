//! End-to-end tests of the `xms` binary: every command run as a user runs
//! it, against the simulator.

mod support;

mod auth;
mod bad_input;
mod bulk;
mod listen;
mod output;
mod read;
mod send;
#[cfg(unix)]
mod terminal;

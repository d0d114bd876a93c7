//! The ergonomic client against local HTTP servers: every operation's exact
//! request and parsed answer, the error mapping, OAuth, retries, validation
//! and the blocking facade.

mod support;

mod batches;
mod blocking;
mod config;
mod delivery_reports;
mod durations;
mod errors;
mod groups;
mod hardening;
mod inbounds;
mod oauth;
mod pagination;
mod retries;
mod tags;
mod validation;

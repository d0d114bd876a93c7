//! Conversions from the SDK's request values into the generated request types.
//!
//! These are crate-private functions, not public `From` impls, so the
//! generated types never become part of the public API.

use chrono::{DateTime, Utc};

use crate::{model::Parameters, raw};

pub(crate) fn times(t: Option<DateTime<Utc>>) -> Option<raw::Timestamp> {
    t.map(raw::Timestamp::from)
}

/// The parameters, moved into the generated type.
pub(crate) fn parameters_to_raw(p: Parameters) -> raw::types::Parameters {
    raw::types::Parameters(
        p.into_iter().map(|(k, v)| (k, raw::types::ParameterValues(v))).collect(),
    )
}

/// A field of an update: left alone, put back to its default (JSON null),
/// or set.
#[derive(Clone, Debug, Default)]
pub(crate) enum Field<T> {
    #[default]
    Keep,
    Reset,
    Set(T),
}

impl<T> Field<T> {
    /// Into the generated resettable type `W`: left out, `W(None)` (sent as
    /// null), or `W(Some(value))`.
    pub(crate) fn map<U, W>(
        self,
        set: impl FnOnce(T) -> U,
        wrap: impl FnOnce(Option<U>) -> W,
    ) -> Option<W> {
        match self {
            Field::Keep => None,
            Field::Reset => Some(wrap(None)),
            Field::Set(v) => Some(wrap(Some(set(v)))),
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        match self {
            Field::Set(v) => Some(v),
            _ => None,
        }
    }
}

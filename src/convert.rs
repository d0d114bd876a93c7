//! Conversions from the SDK's request values into the generated request types.
//!
//! These are crate-private functions, not public `From` impls, so the
//! generated types never become part of the public API.

use chrono::{DateTime, Utc};

use crate::{Error, Result, model::Parameters, raw};

/// Into a generated newtype that checks a constraint of the spec (a
/// `maxLength`, say); the SDK checks first, so this failing means the two
/// disagree, and the error names the field all the same.
pub(crate) fn constrained<T>(field: &str, value: String) -> Result<T>
where
    T: TryFrom<String, Error = raw::types::error::ConversionError>,
{
    T::try_from(value).map_err(|e| Error::invalid(field, e.to_string()))
}

pub(crate) fn times(t: Option<DateTime<Utc>>) -> Option<raw::Timestamp> {
    t.map(raw::Timestamp::from)
}

/// [`constrained`] for an optional value.
pub(crate) fn constrained_opt<T>(field: &str, value: Option<String>) -> Result<Option<T>>
where
    T: TryFrom<String, Error = raw::types::error::ConversionError>,
{
    value.map(|v| constrained(field, v)).transpose()
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

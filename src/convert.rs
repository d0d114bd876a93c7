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

pub(crate) fn parameters_to_raw(p: &Parameters) -> raw::types::Parameters {
    raw::types::Parameters(
        p.iter()
            .map(|(k, v)| (k.clone(), raw::types::ParameterValues(v.clone())))
            .collect(),
    )
}

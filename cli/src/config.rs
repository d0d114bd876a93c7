//! Where settings and secrets live, and which one wins.
//!
//! Settings (no secrets) are in `config.toml` in the platform's config
//! directory (`$XDG_CONFIG_HOME/xms`, `~/.config/xms`; `XMS_CONFIG_DIR`
//! overrides it): the active profile and each profile's service plan id or
//! project and key id, region, endpoint, token URL and default sender.
//! Each profile's secret (its API token or key secret) is in the OS keyring
//! (service `xms`, the profile's name as the user); where there is none
//! (a headless machine, a container, CI) or `XMS_NO_KEYRING=1`, in
//! `credentials.toml` next to the settings, readable only by the user.
//!
//! Precedence: an option beats the `XMS_*` environment, which beats the
//! profile.

use std::{
    collections::BTreeMap,
    fmt,
    io::Write,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use crate::{
    args::{Global, RegionArg},
    exit::Failure,
};

/// The profile used when none is named or active.
pub const DEFAULT_PROFILE: &str = "default";
/// The keyring service the secrets are stored under.
const KEYRING_SERVICE: &str = "xms";

/// `config.toml`.
#[derive(Serialize, Deserialize, Default, Debug)]
pub struct ConfigFile {
    /// The profile used when `--profile` and `XMS_PROFILE` are not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// A profile's settings; its secret is stored apart.
#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_plan_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

/// `credentials.toml`: the secrets when no keyring holds them.
#[derive(Serialize, Deserialize, Default)]
struct CredentialsFile {
    #[serde(default)]
    secrets: BTreeMap<String, String>,
}

/// The config directory.
pub fn dir() -> Result<PathBuf, Failure> {
    if let Some(dir) = std::env::var_os("XMS_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    use etcetera::BaseStrategy;
    let strategy = etcetera::choose_base_strategy().map_err(|e| {
        Failure::usage(format!("no home directory to keep settings in ({e}); set XMS_CONFIG_DIR"))
    })?;
    Ok(strategy.config_dir().join("xms"))
}

fn config_path() -> Result<PathBuf, Failure> {
    Ok(dir()?.join("config.toml"))
}

fn credentials_path() -> Result<PathBuf, Failure> {
    Ok(dir()?.join("credentials.toml"))
}

/// A TOML file, or the default when there is none.
fn read_toml<T: Default + for<'de> Deserialize<'de>>(path: &Path) -> Result<T, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            Failure::usage(format!("{}: {}fix or delete the file", path.display(), e))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => {
            Err(Failure::new(crate::exit::FAILURE, format!("cannot read {}: {e}", path.display())))
        }
    }
}

/// Write a file whole or not at all (a temporary file renamed over it),
/// readable only by the user when `private`.
fn write_atomic(path: &Path, text: &str, private: bool) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        Failure::new(crate::exit::FAILURE, format!("cannot write {}: {e}", path.display()))
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    create_dir(parent).map_err(fail)?;
    let temporary = parent.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("xms"),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(text.as_bytes()).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(fail)
}

fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

impl ConfigFile {
    pub fn load() -> Result<Self, Failure> {
        read_toml(&config_path()?)
    }

    pub fn save(&self) -> Result<(), Failure> {
        let text = toml::to_string_pretty(self).map_err(|e| {
            Failure::new(crate::exit::FAILURE, format!("cannot save settings: {e}"))
        })?;
        write_atomic(&config_path()?, &text, false)
    }

    /// The profile in use: `--profile`/`XMS_PROFILE`, else the active one,
    /// else `default`.
    pub fn profile_name(&self, global: &Global) -> String {
        global
            .profile
            .clone()
            .or_else(|| self.active.clone())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string())
    }
}

/// Where a profile's secret is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Keyring,
    File,
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Store::Keyring => f.write_str("the OS keyring"),
            Store::File => match credentials_path() {
                Ok(path) => write!(f, "{}", path.display()),
                Err(_) => f.write_str("the credentials file"),
            },
        }
    }
}

/// The OS keyring, when built in, not turned off, and answering.
mod keyring_store {
    #[cfg(feature = "keyring")]
    fn entry(profile: &str) -> Option<keyring::Entry> {
        if std::env::var_os("XMS_NO_KEYRING").is_some_and(|v| !v.is_empty() && v != "0") {
            return None;
        }
        keyring::Entry::new(super::KEYRING_SERVICE, profile).ok()
    }

    /// `Ok(None)`: no secret there; `Err`: no keyring answered.
    pub fn get(profile: &str) -> Result<Option<String>, ()> {
        #[cfg(feature = "keyring")]
        if let Some(entry) = entry(profile) {
            return match entry.get_password() {
                Ok(secret) => Ok(Some(secret)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(_) => Err(()),
            };
        }
        let _ = profile;
        Err(())
    }

    pub fn set(profile: &str, secret: &str) -> bool {
        #[cfg(feature = "keyring")]
        if let Some(entry) = entry(profile) {
            // Read it back: some stores accept a write they cannot keep.
            return entry.set_password(secret).is_ok()
                && entry.get_password().is_ok_and(|kept| kept == secret);
        }
        let _ = (profile, secret);
        false
    }

    pub fn delete(profile: &str) -> bool {
        #[cfg(feature = "keyring")]
        if let Some(entry) = entry(profile) {
            return entry.delete_credential().is_ok();
        }
        let _ = profile;
        false
    }
}

/// A profile's secret, and where it was found.
pub fn secret(profile: &str) -> Result<Option<(String, Store)>, Failure> {
    if let Ok(Some(secret)) = keyring_store::get(profile) {
        return Ok(Some((secret, Store::Keyring)));
    }
    let path = credentials_path()?;
    warn_if_open(&path);
    let file: CredentialsFile = read_toml(&path)?;
    Ok(file.secrets.get(profile).map(|s| (s.clone(), Store::File)))
}

/// Keep a profile's secret: in the keyring unless `file` asks for the
/// file or no keyring answers (then with a warning on stderr).
pub fn set_secret(profile: &str, secret: &str, file: bool) -> Result<Store, Failure> {
    if !file && keyring_store::set(profile, secret) {
        // An older copy in the file would be found after a keyring outage.
        remove_file_secret(profile)?;
        return Ok(Store::Keyring);
    }
    let path = credentials_path()?;
    let mut credentials: CredentialsFile = read_toml(&path)?;
    credentials.secrets.insert(profile.to_string(), secret.to_string());
    let text = toml::to_string_pretty(&credentials)
        .map_err(|e| Failure::new(crate::exit::FAILURE, format!("cannot save the secret: {e}")))?;
    write_atomic(&path, &text, true)?;
    if !file {
        eprintln!(
            "xms: warning: no OS keyring is available; the secret is in {}, readable only by you",
            path.display()
        );
    }
    Ok(Store::File)
}

/// Forget a profile's secret wherever it is; whether there was one.
pub fn delete_secret(profile: &str) -> Result<bool, Failure> {
    let in_keyring = keyring_store::delete(profile);
    let in_file = remove_file_secret(profile)?;
    Ok(in_keyring || in_file)
}

fn remove_file_secret(profile: &str) -> Result<bool, Failure> {
    let path = credentials_path()?;
    let mut credentials: CredentialsFile = read_toml(&path)?;
    if credentials.secrets.remove(profile).is_none() {
        return Ok(false);
    }
    let text = toml::to_string_pretty(&credentials)
        .map_err(|e| Failure::new(crate::exit::FAILURE, format!("cannot save: {e}")))?;
    write_atomic(&path, &text, true)?;
    Ok(true)
}

/// Warn when the credentials file can be read by others.
fn warn_if_open(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "xms: warning: {} can be read by other users; run `chmod 600` on it",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Option(&'static str),
    Env(&'static str),
    Profile(String),
    /// The active profile of config.toml.
    Active,
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Option(name) => write!(f, "option {name}"),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::Profile(name) => write!(f, "profile {name}"),
            Source::Active => f.write_str("the active profile"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A setting's value and its source.
#[derive(Clone, Debug)]
pub struct Setting {
    pub value: String,
    pub source: Source,
}

/// The secret of a setting is never shown: `Debug` hides it too.
#[derive(Clone)]
pub struct Secret {
    pub value: String,
    pub source: Source,
    /// Where a profile's secret is kept.
    pub store: Option<Store>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret").field("source", &self.source).finish_non_exhaustive()
    }
}

/// How the client authenticates.
#[derive(Debug)]
pub enum Credentials {
    ServicePlan { id: Setting, token: Secret },
    Project { id: Setting, key_id: Setting, key_secret: Secret, token_url: Option<Setting> },
}

/// Every setting, resolved.
#[derive(Debug)]
pub struct Resolved {
    pub profile: Setting,
    pub profile_exists: bool,
    pub service_plan_id: Option<Setting>,
    pub api_token: Option<Secret>,
    pub project_id: Option<Setting>,
    pub key_id: Option<Setting>,
    pub key_secret: Option<Secret>,
    pub token_url: Option<Setting>,
    pub region: Setting,
    pub endpoint: Option<Setting>,
    pub sender: Option<Setting>,
}

fn env(name: &'static str) -> Option<Setting> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|value| Setting { value, source: Source::Env(name) })
}

/// An option clap also reads from the environment: which of the two it was.
fn flag_or_env(
    value: &Option<String>,
    matches: Option<&clap::ArgMatches>,
    id: &str,
    option: &'static str,
    variable: &'static str,
) -> Option<Setting> {
    let value = value.clone()?;
    let from_env = match matches.and_then(|m| m.value_source(id)) {
        Some(clap::parser::ValueSource::EnvVariable) => true,
        Some(_) => false,
        None => std::env::var(variable).ok().as_deref() == Some(value.as_str()),
    };
    let source = if from_env { Source::Env(variable) } else { Source::Option(option) };
    Some(Setting { value, source })
}

impl Resolved {
    /// Resolve every setting for the profile in use.
    pub fn load(global: &Global, matches: Option<&clap::ArgMatches>) -> Result<Self, Failure> {
        let config = ConfigFile::load()?;
        let name = config.profile_name(global);
        let profile_source = match (&global.profile, &config.active) {
            (Some(_), _) => {
                flag_or_env(&global.profile, matches, "profile", "--profile", "XMS_PROFILE")
                    .map(|s| s.source)
                    .unwrap_or(Source::Default)
            }
            (None, Some(_)) => Source::Active,
            (None, None) => Source::Default,
        };
        if global.profile.is_some() && !config.profiles.contains_key(&name) {
            return Err(Failure::usage(format!(
                "no profile `{name}`; `xms profile list` shows them, `xms auth login --profile \
                 {name}` creates it"
            )));
        }
        let stored = config.profiles.get(&name).cloned();
        let profile_exists = stored.is_some();
        let stored = stored.unwrap_or_default();
        let from_profile = |value: &Option<String>| {
            value.clone().map(|value| Setting { value, source: Source::Profile(name.clone()) })
        };
        let profile_secret = if profile_exists { secret(&name)? } else { None };
        let secret_setting = |(value, store): (String, Store)| Secret {
            value,
            source: Source::Profile(name.clone()),
            store: Some(store),
        };
        let env_secret = |variable: &'static str| {
            env(variable).map(|s| Secret { value: s.value, source: s.source, store: None })
        };

        let service_plan_id = flag_or_env(
            &global.service_plan_id,
            matches,
            "service_plan_id",
            "--service-plan-id",
            "XMS_SERVICE_PLAN_ID",
        )
        .or_else(|| from_profile(&stored.service_plan_id));
        let project_id = env("XMS_PROJECT_ID").or_else(|| from_profile(&stored.project_id));
        let key_id = env("XMS_KEY_ID").or_else(|| from_profile(&stored.key_id));
        let profile_is_project = stored.project_id.is_some();
        let api_token = env_secret("XMS_API_TOKEN")
            .or_else(|| profile_secret.clone().filter(|_| !profile_is_project).map(secret_setting));
        let key_secret = env_secret("XMS_KEY_SECRET")
            .or_else(|| profile_secret.clone().filter(|_| profile_is_project).map(secret_setting));
        let region = match global.region {
            Some(region) => flag_or_env(
                &Some(region.code().to_string()),
                matches,
                "region",
                "--region",
                "XMS_REGION",
            )
            .expect("a value"),
            None => match from_profile(&stored.region) {
                Some(setting) => setting,
                None => Setting { value: "us".to_string(), source: Source::Default },
            },
        };
        let endpoint =
            flag_or_env(&global.endpoint, matches, "endpoint", "--endpoint", "XMS_ENDPOINT")
                .or_else(|| from_profile(&stored.endpoint));
        let token_url = env("XMS_TOKEN_URL").or_else(|| from_profile(&stored.token_url));
        let sender = env("XMS_SENDER").or_else(|| from_profile(&stored.sender));
        Ok(Resolved {
            profile: Setting { value: name, source: profile_source },
            profile_exists,
            service_plan_id,
            api_token,
            project_id,
            key_id,
            key_secret,
            token_url,
            region,
            endpoint,
            sender,
        })
    }

    /// The credentials to call with, or what is missing.
    pub fn credentials(&self) -> Result<Credentials, Failure> {
        if let (Some(id), Some(token)) = (&self.service_plan_id, &self.api_token) {
            return Ok(Credentials::ServicePlan { id: id.clone(), token: token.clone() });
        }
        if let (Some(id), Some(key_id), Some(key_secret)) =
            (&self.project_id, &self.key_id, &self.key_secret)
        {
            return Ok(Credentials::Project {
                id: id.clone(),
                key_id: key_id.clone(),
                key_secret: key_secret.clone(),
                token_url: self.token_url.clone(),
            });
        }
        let how = "run `xms auth login`, or set XMS_SERVICE_PLAN_ID and XMS_API_TOKEN (or \
                   XMS_PROJECT_ID, XMS_KEY_ID and XMS_KEY_SECRET)";
        let message = match (&self.service_plan_id, &self.project_id) {
            (Some(id), _) => {
                format!("no API token for service plan `{}` (from {}): {how}", id.value, id.source)
            }
            (None, Some(id)) if self.key_id.is_none() => {
                format!("no key id for project `{}` (from {}): {how}", id.value, id.source)
            }
            (None, Some(id)) => {
                format!("no key secret for project `{}` (from {}): {how}", id.value, id.source)
            }
            (None, None) if self.profile_exists => {
                format!("profile `{}` has no service plan id or project: {how}", self.profile.value)
            }
            (None, None) => format!("no credentials: {how}"),
        };
        Err(Failure::usage(message))
    }

    /// The region as the SDK names it.
    pub fn region(&self) -> Result<xms::Region, Failure> {
        use clap::ValueEnum;
        let arg = RegionArg::from_str(&self.region.value, true).map_err(|_| {
            Failure::usage(format!(
                "region `{}` (from {}) is not one of us, eu, au, br, ca",
                self.region.value, self.region.source
            ))
        })?;
        Ok(match arg {
            RegionArg::Us => xms::Region::Us,
            RegionArg::Eu => xms::Region::Eu,
            RegionArg::Au => xms::Region::Au,
            RegionArg::Br => xms::Region::Br,
            RegionArg::Ca => xms::Region::Ca,
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> String {
        match (&self.endpoint, self.region()) {
            (Some(endpoint), _) => endpoint.value.clone(),
            (None, Ok(region)) => match (&self.project_id, self.service_plan_id.is_some()) {
                (Some(_), false) => region.project_endpoint().unwrap_or_default(),
                _ => region.service_plan_endpoint(),
            },
            (None, Err(_)) => String::new(),
        }
    }

    /// Whether requests stay on this machine (the simulator, a local proxy).
    pub fn is_local(&self) -> bool {
        is_local_url(&self.base_url())
    }

    /// A client for these settings.
    pub fn client(&self) -> Result<xms::Client, Failure> {
        let credentials = self.credentials()?;
        let mut builder = xms::Client::builder()
            .user_agent(format!("xms-cli/{}", env!("CARGO_PKG_VERSION")))
            .region(self.region()?);
        builder = match credentials {
            Credentials::ServicePlan { id, token } => builder.service_plan(id.value, token.value),
            Credentials::Project { id, key_id, key_secret, token_url } => {
                let builder = builder.project(id.value, key_id.value, key_secret.value);
                match token_url {
                    Some(url) => builder.oauth_token_url(url.value),
                    None => builder,
                }
            }
        };
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint(endpoint.value.clone());
        }
        builder.build().map_err(Failure::from)
    }
}

/// Whether a URL's host is this machine.
pub fn is_local_url(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else { return false };
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost" || host.ends_with(".localhost"),
    }
}

//! `xms auth` and `xms profile`: credentials kept, checked, shown (never
//! their secrets) and forgotten.

use std::io::IsTerminal;

use serde::{Deserialize, Serialize};

use crate::{
    args::{AuthCommand, Format, Global, LoginArgs, ProfileCommand},
    config::{self, ConfigFile, Profile, Resolved, Setting, Source, Store},
    exit::{self, Failure},
    output::Output,
};

/// A credentials file for `auth login --credentials-file`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    service_plan_id: Option<String>,
    api_token: Option<String>,
    project_id: Option<String>,
    key_id: Option<String>,
    key_secret: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    token_url: Option<String>,
    sender: Option<String>,
}

/// What a login saves: the settings, and the one secret.
struct Login {
    profile: Profile,
    secret: String,
}

fn read_secret_stdin(what: &str) -> Result<String, Failure> {
    let text = crate::send::read_stdin(what)?;
    let secret = text.trim().to_string();
    if secret.is_empty() {
        return Err(Failure::usage(format!("{what} on stdin is empty")));
    }
    Ok(secret)
}

fn prompt(label: &str, initial: Option<&str>) -> Result<String, Failure> {
    let mut input = dialoguer::Input::<String>::new().with_prompt(label);
    if let Some(initial) = initial {
        input = input.default(initial.to_string());
    }
    input.interact_text().map_err(|e| Failure::usage(format!("login stopped: {e}")))
}

fn prompt_secret(label: &str) -> Result<String, Failure> {
    dialoguer::Password::new()
        .with_prompt(label)
        .interact()
        .map_err(|e| Failure::usage(format!("login stopped: {e}")))
}

/// Gather the credentials from the options, a file, stdin or the terminal.
fn gather(global: &Global, args: &LoginArgs, existing: &Profile) -> Result<Login, Failure> {
    let mut profile = existing.clone();
    if let Some(region) = global.region {
        profile.region = Some(region.code().to_string());
    }
    if let Some(endpoint) = &global.endpoint {
        profile.endpoint = Some(endpoint.clone());
    }
    if let Some(sender) = &args.sender {
        profile.sender = Some(sender.clone());
    }
    if let Some(url) = &args.token_url {
        profile.token_url = Some(url.clone());
    }
    if let Some(path) = &args.credentials_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!("--credentials-file {}: cannot read it: {e}", path.display()))
        })?;
        let file: CredentialsFile = serde_json::from_str(&text)
            .map_err(|e| Failure::usage(format!("--credentials-file {}: {e}", path.display())))?;
        for (value, slot) in [
            (file.region, &mut profile.region),
            (file.endpoint, &mut profile.endpoint),
            (file.token_url, &mut profile.token_url),
            (file.sender, &mut profile.sender),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
        return match (
            file.service_plan_id,
            file.api_token,
            file.project_id,
            file.key_id,
            file.key_secret,
        ) {
            (Some(plan), Some(token), None, None, None) => {
                profile.service_plan_id = Some(plan);
                profile.project_id = None;
                profile.key_id = None;
                Ok(Login { profile, secret: token })
            }
            (None, None, Some(project), Some(key), Some(secret)) => {
                profile.project_id = Some(project);
                profile.key_id = Some(key);
                profile.service_plan_id = None;
                Ok(Login { profile, secret })
            }
            _ => Err(Failure::usage(format!(
                "--credentials-file {}: give either service_plan_id and api_token, or \
                 project_id, key_id and key_secret",
                path.display()
            ))),
        };
    }
    let oauth = args.project_id.is_some() || args.key_id.is_some() || args.key_secret_stdin;
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if oauth {
        let project = match (&args.project_id, terminal) {
            (Some(id), _) => id.clone(),
            (None, true) => prompt("Project id", existing.project_id.as_deref())?,
            (None, false) => return Err(Failure::usage("--project-id: the OAuth2 project id")),
        };
        let key = match (&args.key_id, terminal) {
            (Some(id), _) => id.clone(),
            (None, true) => prompt("Access key id", existing.key_id.as_deref())?,
            (None, false) => return Err(Failure::usage("--key-id: the access key's id")),
        };
        let secret = if args.key_secret_stdin {
            read_secret_stdin("the key secret")?
        } else if terminal {
            prompt_secret("Access key secret")?
        } else {
            return Err(Failure::usage(
                "no terminal to ask the key secret on: give it with --key-secret-stdin",
            ));
        };
        profile.project_id = Some(project);
        profile.key_id = Some(key);
        profile.service_plan_id = None;
        return Ok(Login { profile, secret });
    }
    let plan = global.service_plan_id.clone().or_else(|| existing.service_plan_id.clone());
    let (plan, secret) = if args.token_stdin {
        let plan = plan.ok_or_else(|| {
            Failure::usage("--token-stdin needs --service-plan-id (or XMS_SERVICE_PLAN_ID)")
        })?;
        (plan, read_secret_stdin("the API token")?)
    } else if terminal {
        let plan = prompt("Service plan id", plan.as_deref())?;
        (plan, prompt_secret("API token")?)
    } else {
        return Err(Failure::usage(
            "no terminal to ask on: give --token-stdin (with --service-plan-id), \
             --credentials-file FILE, or --project-id, --key-id and --key-secret-stdin",
        ));
    };
    if plan.trim().is_empty() {
        return Err(Failure::usage("the service plan id is empty"));
    }
    profile.service_plan_id = Some(plan.trim().to_string());
    profile.project_id = None;
    profile.key_id = None;
    Ok(Login { profile, secret })
}

/// The settings of a profile as a `Resolved`, to build a client from
/// before anything is saved.
fn resolved_for(name: &str, profile: &Profile, secret: &str) -> Resolved {
    let setting = |value: &Option<String>| {
        value.clone().map(|value| Setting { value, source: Source::Profile(name.to_string()) })
    };
    let secret = config::Secret {
        value: secret.to_string(),
        source: Source::Profile(name.to_string()),
        store: None,
    };
    let project = profile.project_id.is_some();
    Resolved {
        profile: Setting { value: name.to_string(), source: Source::Default },
        profile_exists: true,
        service_plan_id: setting(&profile.service_plan_id),
        api_token: (!project).then(|| secret.clone()),
        project_id: setting(&profile.project_id),
        key_id: setting(&profile.key_id),
        key_secret: project.then_some(secret),
        token_url: setting(&profile.token_url),
        region: setting(&profile.region)
            .unwrap_or(Setting { value: "us".to_string(), source: Source::Default }),
        endpoint: setting(&profile.endpoint),
        sender: setting(&profile.sender),
    }
}

/// One cheap read that only valid credentials get an answer to.
async fn check(settings: &Resolved) -> Result<(), Failure> {
    let client = settings.client()?;
    client.batches().list().page_size(1).page(0).await.map(|_| ()).map_err(Failure::from)
}

pub async fn run(
    global: &Global,
    command: AuthCommand,
    matches: &clap::ArgMatches,
) -> Result<(), Failure> {
    match command {
        AuthCommand::Login(args) => login(global, args).await,
        AuthCommand::Status => status(global, matches).await,
        AuthCommand::Logout => {
            let config = ConfigFile::load()?;
            let name = config.profile_name(global);
            let forgot = config::delete_secret(&name)?;
            if forgot {
                eprintln!("Logged out of profile {name}: its secret is forgotten.");
            } else {
                eprintln!("Profile {name} had no secret stored.");
            }
            if std::env::var_os("XMS_API_TOKEN").is_some()
                || std::env::var_os("XMS_KEY_SECRET").is_some()
            {
                eprintln!("Note: XMS_API_TOKEN or XMS_KEY_SECRET is still set in the environment.");
            }
            Ok(())
        }
    }
}

async fn login(global: &Global, args: LoginArgs) -> Result<(), Failure> {
    let mut config = ConfigFile::load()?;
    let name = config.profile_name(global);
    check_name(&name)?;
    let existing = config.profiles.get(&name).cloned().unwrap_or_default();
    let login = gather(global, &args, &existing)?;
    let settings = resolved_for(&name, &login.profile, &login.secret);
    if !args.no_verify {
        check(&settings)
            .await
            .map_err(|f| Failure::new(f.code, format!("{}; nothing was saved", f.message)))?;
    }
    config.profiles.insert(name.clone(), login.profile.clone());
    config.active = Some(name.clone());
    // The secret first: settings without their secret would be half a login.
    let store = config::set_secret(&name, &login.secret, args.insecure_storage)?;
    config.save()?;
    let what = match (&login.profile.service_plan_id, &login.profile.project_id) {
        (Some(plan), _) => format!("service plan {plan}"),
        (None, Some(project)) => format!("project {project}"),
        (None, None) => "?".to_string(),
    };
    let checked = if args.no_verify { " (not checked)" } else { "" };
    eprintln!(
        "Logged in to {what}{checked} as profile {name}, now active; the secret is in {store}."
    );
    Ok(())
}

/// What `auth status` shows: every setting and where it comes from.
#[derive(Serialize)]
struct Status {
    profile: Shown,
    mode: &'static str,
    service_plan_id: Option<Shown>,
    api_token: Option<Shown>,
    project_id: Option<Shown>,
    key_id: Option<Shown>,
    key_secret: Option<Shown>,
    token_url: Option<Shown>,
    region: Shown,
    endpoint: Shown,
    sender: Option<Shown>,
    /// Whether XMS accepted the credentials just now.
    valid: Option<bool>,
    problem: Option<String>,
}

#[derive(Serialize)]
struct Shown {
    value: String,
    source: String,
}

fn shown(setting: &Setting) -> Shown {
    Shown { value: setting.value.clone(), source: setting.source.to_string() }
}

fn masked(secret: &config::Secret) -> Shown {
    let mut source = secret.source.to_string();
    if let Some(store) = secret.store {
        source.push_str(&format!(", kept in {}", store_name(store)));
    }
    Shown { value: "********".to_string(), source }
}

fn store_name(store: Store) -> String {
    store.to_string()
}

async fn status(global: &Global, matches: &clap::ArgMatches) -> Result<(), Failure> {
    let settings = Resolved::load(global, Some(matches))?;
    let credentials = settings.credentials();
    let mode = match &credentials {
        Ok(config::Credentials::ServicePlan { .. }) => "service plan (API token)",
        Ok(config::Credentials::Project { .. }) => "project (OAuth2)",
        Err(_) => "none",
    };
    let (valid, problem, code) = match &credentials {
        Err(f) => (None, Some(f.message.clone()), exit::USAGE),
        Ok(_) => match check(&settings).await {
            Ok(()) => (Some(true), None, exit::OK),
            Err(f) => (Some(false), Some(f.message.clone()), f.code),
        },
    };
    let status = Status {
        profile: shown(&settings.profile),
        mode,
        service_plan_id: settings.service_plan_id.as_ref().map(shown),
        api_token: settings.api_token.as_ref().map(masked),
        project_id: settings.project_id.as_ref().map(shown),
        key_id: settings.key_id.as_ref().map(shown),
        key_secret: settings.key_secret.as_ref().map(masked),
        token_url: settings.token_url.as_ref().map(shown),
        region: shown(&settings.region),
        endpoint: Shown {
            value: settings.base_url(),
            source: settings
                .endpoint
                .as_ref()
                .map_or("the region".to_string(), |e| e.source.to_string()),
        },
        sender: settings.sender.as_ref().map(shown),
        valid,
        problem: problem.clone(),
    };
    let output = Output::new(global);
    if output.format == Format::Table {
        let mut listing =
            output.listing(&[("setting", "setting"), ("value", "value"), ("from", "source")]);
        for (key, field) in &crate::output::ordered_fields(&status)? {
            let (shown_value, source) = match field {
                serde_json::Value::Object(o) => (o["value"].clone(), o["source"].clone()),
                serde_json::Value::Null => continue,
                other => (other.clone(), serde_json::Value::Null),
            };
            listing.push(&serde_json::json!({
                "setting": key, "value": shown_value, "source": source
            }))?;
        }
        listing.finish()?;
    } else {
        output.one(&status)?;
    }
    match problem {
        Some(problem) => Err(Failure::new(code, problem)),
        None => Ok(()),
    }
}

/// `xms profile ...`: no network, no runtime.
pub fn profile(global: &Global, command: ProfileCommand) -> Result<(), Failure> {
    let mut config = ConfigFile::load()?;
    let output = Output::new(global);
    match command {
        ProfileCommand::List => {
            let mut listing = output.listing(&[
                ("name", "name"),
                ("active", "active"),
                ("kind", "kind"),
                ("account", "account"),
                ("region", "region"),
                ("endpoint", "endpoint"),
                ("sender", "sender"),
            ]);
            for (name, profile) in &config.profiles {
                let (kind, account) = match (&profile.service_plan_id, &profile.project_id) {
                    (Some(plan), _) => ("service plan", plan.clone()),
                    (None, Some(project)) => ("project", project.clone()),
                    (None, None) => ("", String::new()),
                };
                listing.push(&serde_json::json!({
                    "name": name,
                    "active": config.active.as_deref() == Some(name.as_str()),
                    "kind": kind,
                    "account": account,
                    "region": profile.region.clone().unwrap_or_else(|| "us".into()),
                    "endpoint": profile.endpoint,
                    "sender": profile.sender,
                }))?;
            }
            listing.finish()
        }
        ProfileCommand::Use { name } => {
            if !config.profiles.contains_key(&name) {
                return Err(no_profile(&config, &name));
            }
            config.active = Some(name.clone());
            config.save()?;
            eprintln!("Profile {name} is now active.");
            Ok(())
        }
        ProfileCommand::Create { name, project_id, key_id, sender } => {
            check_name(&name)?;
            if config.profiles.contains_key(&name) {
                return Err(Failure::usage(format!(
                    "profile `{name}` exists; `xms auth login --profile {name}` changes it"
                )));
            }
            if project_id.is_some() && global.service_plan_id.is_some() {
                return Err(Failure::usage(
                    "a profile has a service plan id or a project id, not both",
                ));
            }
            let profile = Profile {
                service_plan_id: global.service_plan_id.clone(),
                project_id,
                key_id,
                region: global.region.map(|r| r.code().to_string()),
                endpoint: global.endpoint.clone(),
                token_url: None,
                sender,
            };
            config.profiles.insert(name.clone(), profile);
            if config.active.is_none() {
                config.active = Some(name.clone());
            }
            config.save()?;
            eprintln!(
                "Created profile {name}; give it its secret with `xms auth login --profile {name}`."
            );
            Ok(())
        }
        ProfileCommand::Delete { name } => {
            if config.profiles.remove(&name).is_none() {
                return Err(no_profile(&config, &name));
            }
            if config.active.as_deref() == Some(name.as_str()) {
                config.active = None;
            }
            config::delete_secret(&name)?;
            config.save()?;
            eprintln!("Deleted profile {name} and its secret.");
            Ok(())
        }
    }
}

fn no_profile(config: &ConfigFile, name: &str) -> Failure {
    let names: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
    let known = if names.is_empty() { "none yet".to_string() } else { names.join(", ") };
    Failure::usage(format!("no profile `{name}` (profiles: {known})"))
}

fn check_name(name: &str) -> Result<(), Failure> {
    let fine = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if fine {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "profile name `{name}`: use 1 to 64 letters, digits, `-`, `_` or `.`"
        )))
    }
}

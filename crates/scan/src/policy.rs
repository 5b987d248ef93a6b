//! Project policy: the `.keyhound.toml` config file (paths to skip, rules to
//! disable, extra packs, accepted secrets) and its application to findings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use keyhound_findings::Finding;
use regex::RegexSet;
use serde::Deserialize;

/// The file name looked up at the scan root.
pub const CONFIG_FILE: &str = ".keyhound.toml";

/// Why a config file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("{path}: cannot read config")]
    Io {
        /// Config path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("{path}: invalid config")]
    Parse {
        /// Config path.
        path: PathBuf,
        /// The parser's error (with line and column).
        #[source]
        source: toml::de::Error,
    },
    /// A path glob does not parse.
    #[error("{path}: bad glob {glob:?}")]
    Glob {
        /// Config path.
        path: PathBuf,
        /// The glob.
        glob: String,
        /// The glob parser's error.
        #[source]
        source: globset::Error,
    },
    /// A path pattern or allow regex does not compile.
    #[error("{path}: bad regex {pattern:?} in {field}")]
    Regex {
        /// Config path.
        path: PathBuf,
        /// The key that holds it.
        field: &'static str,
        /// The regex.
        pattern: String,
        /// The regex compiler's error.
        #[source]
        source: regex::Error,
    },
}

/// Findings the project allows by what they hold rather than by
/// fingerprint: the allowlists of gitleaks-style configs (`keyhound migrate`
/// writes them), checked after a rule has matched.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    /// Regexes over the secret: a finding whose secret matches is dropped.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Regexes over the finding's line (its snippet).
    #[serde(default)]
    pub lines: Vec<String>,
    /// Words that, found in the secret (case-insensitive), mark it as a
    /// placeholder.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Commits (full or abbreviated ids) whose introductions are allowed in
    /// history scans.
    #[serde(default)]
    pub commits: Vec<String>,
}

/// A secret the project has accepted (false positive, test fixture, …).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The finding fingerprint (never the secret itself).
    pub fingerprint: String,
    /// Why it is accepted; shown in reviews.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The `.keyhound.toml` file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Globs (relative to the scan root, `/`-separated) of paths never scanned.
    #[serde(default)]
    pub exclude_paths: Vec<String>,
    /// Regexes over the `/`-separated relative path of paths never scanned
    /// (gitleaks' and TruffleHog's path allowlists, kept as they were).
    #[serde(default)]
    pub exclude_path_patterns: Vec<String>,
    /// Findings allowed by their secret, line, words or commit.
    #[serde(default)]
    pub allow: AllowConfig,
    /// Rule ids switched off for this project.
    #[serde(default)]
    pub disable_rules: Vec<String>,
    /// Off-by-default rule ids switched on for this project.
    #[serde(default)]
    pub enable_rules: Vec<String>,
    /// Extra rule packs (files or directories), relative to the config file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Accepted secrets, by fingerprint.
    #[serde(default)]
    pub accept: Vec<Accepted>,
    /// `HOST=BASE_URL` redirections for `--verify` (a GitHub Enterprise
    /// API, a gateway), as with `--verify-override`; the command line wins.
    #[serde(default)]
    pub verify_overrides: Vec<String>,
}

impl Config {
    /// Reads and parses a config file; rule pack paths are made relative to
    /// the file's directory. Only a regular file of sane size is read: a
    /// scanned tree's config may be a link to anything.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = keyhound_rules::input_file::read_to_string(path, keyhound_rules::input_file::MAX_INPUT_FILE_BYTES)
            .map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses a config's text as if read from `path` (errors name it, and
    /// rule pack paths are made relative to its directory).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for pack in &mut config.rules {
            if pack.is_relative() {
                *pack = dir.join(&*pack);
            }
        }
        Ok(config)
    }

    /// Loads `--config FILE` if given, else `ROOT/.keyhound.toml` if present.
    pub fn discover(explicit: Option<&Path>, root: Option<&Path>) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        match root.map(|r| r.join(CONFIG_FILE)) {
            Some(candidate) if candidate.is_file() => Config::load(&candidate),
            _ => Ok(Config::default()),
        }
    }
}

/// Compiled policy the scan consults for every path and finding.
#[derive(Debug, Default)]
pub struct Policy {
    exclude: GlobSet,
    exclude_patterns: Option<RegexSet>,
    allow: Allowed,
    accepted: HashMap<String, Option<String>>,
}

/// [`AllowConfig`] compiled.
#[derive(Debug, Default)]
struct Allowed {
    secrets: Option<RegexSet>,
    lines: Option<RegexSet>,
    stopwords: Vec<String>,
    commits: Vec<String>,
}

impl Allowed {
    fn is_empty(&self) -> bool {
        self.secrets.is_none() && self.lines.is_none() && self.stopwords.is_empty() && self.commits.is_empty()
    }

    fn allows(&self, finding: &Finding) -> bool {
        let secret = finding.secret.expose();
        if self.secrets.as_ref().is_some_and(|set| set.is_match(secret)) {
            return true;
        }
        if self.lines.as_ref().is_some_and(|set| set.is_match(&finding.snippet)) {
            return true;
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_lowercase();
            if self.stopwords.iter().any(|w| lower.contains(w.as_str())) {
                return true;
            }
        }
        if !self.commits.is_empty() {
            if let Some(info) = finding.origin.commit_info() {
                let commit = info.commit.to_ascii_lowercase();
                return self.commits.iter().any(|c| commit.starts_with(c.as_str()));
            }
        }
        false
    }
}

/// Compiles `patterns` (from config key `field`) into one set; `None` when
/// there are none.
fn regex_set(patterns: &[String], field: &'static str, path: &Path) -> Result<Option<RegexSet>, ConfigError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    for pattern in patterns {
        regex::Regex::new(pattern).map_err(|source| ConfigError::Regex {
            path: path.to_path_buf(),
            field,
            pattern: pattern.clone(),
            source,
        })?;
    }
    RegexSet::new(patterns).map(Some).map_err(|source| ConfigError::Regex {
        path: path.to_path_buf(),
        field,
        pattern: patterns.join(" | "),
        source,
    })
}

impl Policy {
    /// Compiles a config's globs and accepted fingerprints.
    pub fn from_config(config: &Config, config_path: &Path) -> Result<Policy, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for glob in &config.exclude_paths {
            let pattern = glob.trim_start_matches("./").trim_end_matches('/');
            for variant in [pattern.to_string(), format!("{pattern}/**")] {
                let compiled = Glob::new(&variant).map_err(|source| ConfigError::Glob {
                    path: config_path.to_path_buf(),
                    glob: glob.clone(),
                    source,
                })?;
                builder.add(compiled);
            }
        }
        let exclude = builder.build().map_err(|source| ConfigError::Glob {
            path: config_path.to_path_buf(),
            glob: String::new(),
            source,
        })?;
        let accepted = config
            .accept
            .iter()
            .map(|a| (a.fingerprint.clone(), a.reason.clone()))
            .collect();
        let allow = Allowed {
            secrets: regex_set(&config.allow.secrets, "allow.secrets", config_path)?,
            lines: regex_set(&config.allow.lines, "allow.lines", config_path)?,
            stopwords: config
                .allow
                .stopwords
                .iter()
                .filter(|w| !w.is_empty())
                .map(|w| w.to_lowercase())
                .collect(),
            commits: config
                .allow
                .commits
                .iter()
                .filter(|c| !c.is_empty())
                .map(|c| c.to_ascii_lowercase())
                .collect(),
        };
        Ok(Policy {
            exclude,
            exclude_patterns: regex_set(&config.exclude_path_patterns, "exclude_path_patterns", config_path)?,
            allow,
            accepted,
        })
    }

    /// Whether a path relative to the scan root is excluded.
    pub fn is_excluded(&self, relative: &Path) -> bool {
        if !self.exclude.is_empty() && self.exclude.is_match(relative) {
            return true;
        }
        match &self.exclude_patterns {
            Some(set) => {
                let text = relative.to_string_lossy();
                if std::path::MAIN_SEPARATOR == '/' {
                    set.is_match(&text)
                } else {
                    set.is_match(&text.replace(std::path::MAIN_SEPARATOR, "/"))
                }
            }
            None => false,
        }
    }

    /// Whether the config's allowlists (secrets, lines, stopwords,
    /// commits) drop this finding.
    pub fn is_allowed(&self, finding: &Finding) -> bool {
        !self.allow.is_empty() && self.allow.allows(finding)
    }

    /// Whether a fingerprint has been accepted.
    pub fn is_accepted(&self, fingerprint: &str) -> bool {
        self.accepted.contains_key(fingerprint)
    }

    /// Adds a baseline's entries to the accepted fingerprints.
    pub fn accept_baseline(&mut self, baseline: &keyhound_findings::baseline::Baseline, source: &str) {
        for entry in &baseline.entries {
            self.accepted
                .entry(entry.fingerprint.clone())
                .or_insert_with(|| Some(format!("{source}: {:?}", entry.reason)));
        }
    }

    /// Every accepted fingerprint, for `--report-unused-ignores`.
    pub fn accepted_fingerprints(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.accepted.iter().map(|(fp, why)| (fp.as_str(), why.as_deref()))
    }
}

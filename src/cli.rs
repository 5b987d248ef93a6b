//! Command-line definitions (clap derive). Kept apart from `main.rs` so the
//! surface of the tool can be read in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use keyhound_report::Format;

/// keyhound: find leaked credentials in files, streams, git history,
/// container images and agent sessions; verify them with their providers
/// and feed their revocation.
///
/// Exit status: 0 no findings, 1 findings, 2 error, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "keyhound", version = VERSION.as_str(), about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory).
    Dir(DirArgs),
    /// Scan standard input (a CI log, a diff, any pipe).
    Stdin(StdinArgs),
    /// Audit git history, a commit range (CI), staged changes (pre-commit)
    /// or the commits being pushed (pre-push).
    Git(GitArgs),
    /// Scan a container image: a `docker save` archive (tar or tar.gz), an
    /// OCI layout directory or an OCI layout tar. Every layer, including
    /// files deleted by later layers, and the image config.
    Image(ImageArgs),
    /// Audit repositories on GitHub (or GitHub Enterprise with --api-url):
    /// an organisation's or a user's, with their gists, wikis, issues and
    /// pull requests. Token: $GITHUB_TOKEN, $GH_TOKEN or the gh CLI's.
    Github(HostingArgs),
    /// Audit a GitLab group (with its subgroups) or a user's projects, with
    /// their wikis, issues and merge requests. Token: $GITLAB_TOKEN or the
    /// glab CLI's.
    Gitlab(HostingArgs),
    /// Audit a Bitbucket Cloud workspace, with its issues and pull
    /// requests. Token: $BITBUCKET_TOKEN.
    Bitbucket(HostingArgs),
    /// Audit a Gitea or Forgejo organisation or user (--api-url
    /// https://host/api/v1), with wikis, issues and pull requests. Token:
    /// $GITEA_TOKEN.
    Gitea(HostingArgs),
    /// Scan a bucket: `s3://bucket/prefix` (or an S3-compatible server with
    /// --endpoint), `gs://bucket/prefix`, `az://container/prefix`. Objects
    /// are streamed, never written to disk; archives in them are opened;
    /// --all-versions reads overwritten and deleted versions too (S3).
    /// `keyhound s3://…` is short for `keyhound objects s3://…`.
    Objects(ObjectsArgs),
    /// List or test rule packs.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Install or remove the git hooks.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Accept a finding by fingerprint, with a reason, in the baseline file.
    Allow(AllowArgs),
    /// Create a baseline of current findings.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// One row per distinct secret across all its locations: first seen
    /// (commit, author, date), still present or removed (and when),
    /// exposure in days, locations, liveness (with --verify) and whether it
    /// is past the rotation age. Formats: text (table), json, jsonl, csv,
    /// html (the audit report).
    Inventory(InventoryArgs),
    /// Print a revocation plan from a findings file (keyhound JSON, JSONL or
    /// SARIF), and with --execute revoke keys through provider APIs, then
    /// re-verify them.
    Revoke(RevokeArgs),
    /// Re-check known secrets with their providers without rescanning:
    /// one per line on standard input, or the secrets of a findings file
    /// (never from the command line, which leaks into `ps` and history).
    Validate(ValidateArgs),
    /// Map what known live secrets can do (identity, scopes, reachable
    /// resources, admin/write/read, least-privilege flags) without
    /// rescanning: `validate --access`, from stdin or a findings file.
    Access(ValidateArgs),
    /// Each leaked key's exposure window (introduced, removed, revoked) and,
    /// with your own administrator credentials, who used it inside the
    /// window (AWS IAM and CloudTrail, GitHub and GitLab audit logs, Slack
    /// access logs, OpenAI and Anthropic usage, Google Cloud audit logs,
    /// the Azure activity log).
    Exposure(ExposureArgs),
    /// Render a saved findings file (keyhound JSON, JSONL or SARIF) as the
    /// HTML audit report, without rescanning.
    Report(ReportArgs),
    /// Copy standard input to standard output with every secret replaced by
    /// `[REDACTED:rule:fp]`, line by line (`cmd 2>&1 | keyhound redact`), or
    /// run a command and filter both of its outputs (`keyhound redact --
    /// cmd args…`), keeping its exit status.
    Redact(RedactArgs),
    /// A Model Context Protocol server on stdio for AI agents: tools
    /// scan_text, scan_path (inside --root only), redact_text, explain_rule,
    /// and verify_finding with --allow-verify; results redacted.
    Mcp(McpArgs),
    /// Read gitleaks (`.gitleaks.toml`, `.gitleaksignore`), detect-secrets
    /// (`.secrets.baseline`) and TruffleHog (`--exclude-paths` file)
    /// configuration as it is: print what was read, what it became and
    /// what could not be translated, and with --write write
    /// `.keyhound.toml`, the translated rule pack and the baseline.
    Migrate(MigrateArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or
    /// elvish (`keyhound completions bash > ~/.local/share/bash-completion/completions/keyhound`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a
    /// directory with --dir (`keyhound man | man -l -`).
    Man(ManArgs),
}

/// What `--version` prints: the program's version and the rule set built
/// into it, so a bug report names both.
pub static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{} (built-in rules: {}, packs {})",
        env!("CARGO_PKG_VERSION"),
        keyhound_rules::BUILTIN_RULE_COUNT,
        keyhound_rules::BUILTIN_PACKS_DIGEST
    )
});

/// `keyhound completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `keyhound man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write keyhound.1 and one keyhound-COMMAND.1 per command into this
    /// directory instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The AI coding agents `keyhound hook` speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentKind {
    /// Claude Code (`.claude/settings.json`).
    ClaudeCode,
    /// Cursor (`.cursor/hooks.json`).
    Cursor,
    /// Any other tool: JSON or text on stdin, exit 2 and a message on
    /// stderr to block.
    Generic,
}

/// `keyhound hook agent`.
#[derive(Debug, Args)]
pub struct AgentHookArgs {
    /// Whose protocol the payload and the answer follow (detected from the
    /// payload when not given).
    #[arg(long, value_enum)]
    pub agent: Option<AgentKind>,
    /// The event, for the generic form (`pre-write`, `pre-command`,
    /// `prompt`, `pre-read`); overrides the payload's own name otherwise.
    #[arg(long)]
    pub event: Option<String>,
    /// Shared scan options (rules, config, baseline); the project's config
    /// is looked up in the directory the agent works in.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `keyhound mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// A directory `scan_path` may read (repeatable; default: the current
    /// directory). Paths outside every root are refused, symlinks included.
    #[arg(long = "root", value_name = "DIR")]
    pub roots: Vec<PathBuf>,
    /// Offer the `verify_finding` tool, which sends a secret to its own
    /// provider (off by default: nothing leaves the machine).
    #[arg(long)]
    pub allow_verify: bool,
    /// Return full secrets in tool results (default: redacted).
    #[arg(long)]
    pub show_secrets: bool,
    /// Rule selection.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Verification settings for `verify_finding`.
    #[command(flatten)]
    pub verify: VerifyKnobs,
}

/// `keyhound redact`.
#[derive(Debug, Args)]
pub struct RedactArgs {
    /// Write what was redacted (rule, fingerprint, stream, line; never the
    /// secret) as JSON to FILE when the stream ends.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Exit 1 after the stream ends if anything was redacted (a failing
    /// command's own status wins).
    #[arg(long)]
    pub fail_on_find: bool,
    /// Rule selection.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// The command to run and filter (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `keyhound report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Findings written by keyhound (`-f json`, `-f jsonl` or `-f sarif`).
    #[arg(value_name = "FINDINGS")]
    pub findings: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = RenderFormat::Html)]
    pub format: RenderFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The JSON-lines audit log of `keyhound revoke`: revocation dates end
    /// the keys' bars on the timeline.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Show the full secrets a findings file written with --show-secrets
    /// holds (default: redacted to a short prefix; the page then says so
    /// in a banner).
    #[arg(long)]
    pub show_secrets: bool,
    /// Extra rule packs whose rules the findings name (for their guidance).
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Formats of `keyhound report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// One self-contained HTML file.
    Html,
}

/// `keyhound exposure`.
#[derive(Debug, Args)]
pub struct ExposureArgs {
    /// Findings written by keyhound (`-f json`, `-f jsonl` or `-f sarif`;
    /// `--show-secrets` for the provider-log questions, a git history scan
    /// for the introduction and removal dates).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The JSON-lines audit log of `keyhound revoke`: revocation times are
    /// read from it, and each exposure question is appended to it.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Your own addresses (CI runners, offices, VPN), comma-separated IPs
    /// or CIDRs: uses from them are told apart from the rest.
    #[arg(long, value_name = "CIDRS", value_delimiter = ',')]
    pub known_ips: Vec<keyhound_verify::exposure::IpNet>,
    /// AWS: a profile of ~/.aws/credentials with your own credentials
    /// (default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN).
    #[arg(long, value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// AWS: regions whose CloudTrail is searched (the key's last-used
    /// region is added; default us-east-1).
    #[arg(long, value_name = "REGIONS", value_delimiter = ',')]
    pub aws_region: Vec<String>,
    /// GitHub: the organisation whose audit log is searched (the token is
    /// read from KEYHOUND_GITHUB_AUDIT_TOKEN, or GITHUB_TOKEN).
    #[arg(long, value_name = "ORG")]
    pub github_org: Option<String>,
    /// GitLab: the instance asked (default KEYHOUND_GITLAB_URL, else
    /// https://gitlab.com; the admin token is read from
    /// KEYHOUND_GITLAB_AUDIT_TOKEN, or GITLAB_TOKEN).
    #[arg(long, value_name = "URL")]
    pub gitlab_url: Option<String>,
    /// GitLab: read this group's audit events (id or full path; a group
    /// owner's token) instead of the instance's (an administrator's).
    #[arg(long, value_name = "GROUP")]
    pub gitlab_group: Option<String>,
    /// Azure: the subscription whose activity log is read (default
    /// AZURE_SUBSCRIPTION_ID; the ARM token is read from
    /// KEYHOUND_AZURE_ARM_TOKEN).
    #[arg(long, value_name = "ID")]
    pub azure_subscription: Option<String>,
    /// Output format: text, json, or html (the audit report of the
    /// findings file with a section per key on its use while exposed).
    #[arg(long, short = 'f', value_enum, default_value_t = ExposureFormat::Text)]
    pub format: ExposureFormat,
    /// Where and how fast to ask (overrides, timeouts, request budget).
    #[command(flatten)]
    pub verify: VerifyKnobs,
}

/// `keyhound inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Flag secrets exposed longer than this (`90d`: the common rotation policy).
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = parse_duration, global = true)]
    pub max_age: std::time::Duration,
    /// What to inventory.
    #[command(subcommand)]
    pub source: BaselineSource,
}

/// `keyhound revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Findings written by keyhound (`-f json`, `-f jsonl` or `-f sarif`).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Call the providers' revocation APIs (default: print the plan only).
    #[arg(long)]
    pub execute: bool,
    /// Do not ask for confirmation before revoking.
    #[arg(long, requires = "execute")]
    pub yes: bool,
    /// Print the plan only (the default without --execute).
    #[arg(long, conflicts_with = "execute")]
    pub dry_run: bool,
    /// Append every action and outcome to this JSON-lines file (never secrets).
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Continue a plan executed before: skip every key whose revocation the
    /// audit log already records as done (needs --audit-log).
    #[arg(long, requires = "audit_log")]
    pub resume: bool,
    /// AWS keys are deactivated and deleted with your own credentials: a
    /// profile of ~/.aws/credentials (default: AWS_ACCESS_KEY_ID /
    /// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN).
    #[arg(long, value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// Revoke AWS keys with the leaked pair itself (an IAM user may delete
    /// its own keys) instead of your credentials; only for keys you own.
    #[arg(long)]
    pub use_leaked_key: bool,
    /// Revoke only keys of these providers (comma-separated, as the plan
    /// names them, case-insensitive).
    #[arg(long, value_name = "PROVIDERS", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Plan format.
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Rule selection (extra packs whose rules the findings name).
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Verification settings, used to re-check keys after revoking.
    #[command(flatten)]
    pub verify: VerifyKnobs,
}

/// `keyhound validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Read the secrets of this findings file (keyhound JSON, JSONL or
    /// SARIF written with --show-secrets) instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// The rule every input line is a secret of (default: recognise each
    /// line with the rules; a line may hold a secret with its companions,
    /// such as an AWS key id beside its secret).
    #[arg(long, value_name = "ID")]
    pub rule: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Print the secrets in full (default: redacted to a short prefix).
    #[arg(long)]
    pub show_secrets: bool,
    /// Rule selection (extra packs whose rules may recognise the secrets).
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Also map what each live secret can do (read-only calls to its
    /// provider; `keyhound access` implies it).
    #[arg(long)]
    pub access: bool,
    /// How verification asks.
    #[command(flatten)]
    pub verify: VerifyKnobs,
}

/// `keyhound git`.
#[derive(Debug, Args)]
pub struct GitArgs {
    /// The repository: a work tree, a bare repository or a worktree, or a
    /// URL (`https://`, `ssh://`, `git://`, `file://`, `user@host:path`),
    /// which is mirrored with every ref into the cache directory first.
    #[arg(value_name = "REPO|URL", default_value = ".")]
    pub repo: PathBuf,
    /// Keep the mirror of a URL in the cache directory, so the next audit
    /// fetches only new objects and reads only new blobs (a mirror kept
    /// earlier is always reused and kept).
    #[arg(long)]
    pub keep: bool,
    /// Where mirrors of URLs live (default: $KEYHOUND_CACHE_DIR, else
    /// $XDG_CACHE_HOME/keyhound, else ~/.cache/keyhound).
    #[arg(long, value_name = "DIR", env = "KEYHOUND_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// The user name sent with the token in $KEYHOUND_GIT_TOKEN (default:
    /// what the host expects, `x-access-token`, `oauth2` on GitLab,
    /// `x-token-auth` on Bitbucket). The token is read from the environment
    /// only, never the command line (which `ps` and shell history keep),
    /// and is offered to the URL's own host only, beside the URL's
    /// userinfo, ~/.netrc ($NETRC), and git's credential helpers and
    /// GIT_ASKPASS.
    #[arg(long = "git-username", value_name = "USER", env = "KEYHOUND_GIT_USERNAME")]
    pub git_username: Option<String>,
    /// Only history reachable from this ref or revision (default: all refs).
    #[arg(long, value_name = "REF")]
    pub branch: Option<String>,
    /// Only commits after REV (up to --branch or HEAD), and only the lines they add.
    #[arg(long, value_name = "REV", conflicts_with_all = ["range", "staged", "pre_push"])]
    pub since: Option<String>,
    /// Only commits in A..B, and only the lines they add (the CI mode).
    #[arg(long, value_name = "A..B", conflicts_with_all = ["staged", "pre_push"])]
    pub range: Option<String>,
    /// Stop after N commits (newest first).
    #[arg(long, value_name = "N")]
    pub max_commits: Option<usize>,
    /// Only the lines added in the index relative to HEAD (pre-commit).
    #[arg(long, conflicts_with = "pre_push")]
    pub staged: bool,
    /// Read git's pre-push input on stdin and scan the commits being pushed.
    #[arg(long)]
    pub pre_push: bool,
    /// Remember clean blobs so a re-audit only reads new ones
    /// (default directory: GIT_DIR/keyhound).
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub cache: Option<Option<PathBuf>>,
    /// Skip blobs larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Shared scan options.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `keyhound github|gitlab|bitbucket|gitea`: which repositories, what
/// beside their history, and where mirrors and per-repository SARIF go.
#[derive(Debug, Args)]
pub struct HostingArgs {
    /// An organisation (GitHub, Gitea; a group on GitLab, a workspace on
    /// Bitbucket). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub org: Vec<String>,
    /// A GitLab group, subgroups included (`parent/child`). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub group: Vec<String>,
    /// A user's own repositories. Repeatable.
    #[arg(long, value_name = "NAME")]
    pub user: Vec<String>,
    /// One repository (`owner/name`). Repeatable.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Vec<String>,
    /// The API of a self-hosted instance (`https://github.example.org/api/v3`,
    /// `https://gitlab.example.org/api/v4`, `https://gitea.example.org/api/v1`).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Include forks (skipped by default: their history is mostly their
    /// parent's).
    #[arg(long)]
    pub include_forks: bool,
    /// Include archived repositories.
    #[arg(long)]
    pub include_archived: bool,
    /// Also audit each repository's wiki (a git repository of its own).
    #[arg(long)]
    pub include_wikis: bool,
    /// Also audit the gists of every --user (GitHub).
    #[arg(long)]
    pub include_gists: bool,
    /// Also scan issues: titles, bodies and comments; each finding names
    /// the comment's URL.
    #[arg(long)]
    pub include_issues: bool,
    /// Also scan pull (merge) requests: titles, bodies, comments and review
    /// comments.
    #[arg(long)]
    pub include_prs: bool,
    /// Keep the mirrors for the next audit (which then fetches only new
    /// objects and reads only new blobs); by default each is removed once
    /// scanned.
    #[arg(long)]
    pub keep: bool,
    /// Where mirrors live (default: $KEYHOUND_CACHE_DIR, else
    /// $XDG_CACHE_HOME/keyhound, else ~/.cache/keyhound).
    #[arg(long, value_name = "DIR", env = "KEYHOUND_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Repositories fetched in parallel while the scan reads another; also
    /// bounds the disk a run uses when mirrors are not kept (at most N + 1
    /// mirrors at a time).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub fetch_ahead: u16,
    /// Disk the temporary mirrors may fill at once (K/M/G suffixes): no new
    /// fetch starts while the mirrors waiting or being scanned exceed it
    /// (one always may, so a repository larger than the limit is still
    /// audited). Kept mirrors (--keep) are not counted.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub cache_limit: Option<u64>,
    /// Also write one SARIF file per repository into DIR
    /// (`owner_name.sarif`), for GitHub code scanning's one upload per
    /// repository.
    #[arg(long, value_name = "DIR")]
    pub sarif_dir: Option<PathBuf>,
    /// Skip blobs larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Shared scan options.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `keyhound image`.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image archive, OCI layout directory, or a registry reference
    /// (`registry.example.org/ns/name:tag`, pulled over the HTTP API v2).
    #[arg(value_name = "SOURCE")]
    pub source: PathBuf,
    /// Talk to the registry over plain http (loopback or internal registries).
    #[arg(long)]
    pub insecure_registry: bool,
    /// Registry username (default: from ~/.docker/config.json).
    #[arg(long, value_name = "USER", requires = "registry_password")]
    pub registry_username: Option<String>,
    /// Registry password or token (default: from ~/.docker/config.json).
    #[arg(
        long,
        value_name = "SECRET",
        env = "KEYHOUND_REGISTRY_PASSWORD",
        hide_env_values = true
    )]
    pub registry_password: Option<String>,
    /// Only this platform of a multi-platform image (`linux/amd64`, `linux/arm64/v8`).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Skip layer files larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Archive handling inside layers.
    #[command(flatten)]
    pub archives: ArchiveArgs,
    /// Shared scan options.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `keyhound hook …`.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write the pre-commit hook (and pre-push with --pre-push) into the
    /// repository's hooks directory (honours core.hooksPath).
    Install {
        /// The repository.
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// Also install the pre-push hook.
        #[arg(long)]
        pre_push: bool,
        /// Move an existing foreign hook aside (NAME.keyhound-backup).
        #[arg(long, conflicts_with = "chain")]
        force: bool,
        /// Keep an existing foreign hook and run it before keyhound.
        #[arg(long)]
        chain: bool,
        /// Install the hooks of an AI coding agent instead of git's: its
        /// settings file gets keyhound's entries beside any it has (the
        /// project's, under --repo, or with --user the user's).
        #[arg(long, value_enum, value_name = "AGENT")]
        agent: Option<AgentKind>,
        /// With --agent: the user's settings (~/.claude, ~/.cursor) rather
        /// than the project's.
        #[arg(long, requires = "agent")]
        user: bool,
    },
    /// Remove keyhound's hooks (and restore what install moved aside).
    Uninstall {
        /// The repository.
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// Remove keyhound's entries from an AI coding agent's settings
        /// instead (nothing else in the file changes).
        #[arg(long, value_enum, value_name = "AGENT")]
        agent: Option<AgentKind>,
        /// With --agent: the user's settings rather than the project's.
        #[arg(long, requires = "agent")]
        user: bool,
    },
    /// The hook an AI coding agent calls before it writes a file, runs a
    /// command, reads a file or sends a prompt: reads the agent's JSON
    /// payload on stdin and answers in its protocol, denying the action
    /// (with the redacted finding and what to do instead) when it would
    /// put a secret there.
    Agent(Box<AgentHookArgs>),
}

/// `keyhound allow`.
#[derive(Debug, Args)]
pub struct AllowArgs {
    /// The finding's fingerprint (from any report).
    pub fingerprint: String,
    /// Why the secret is accepted.
    #[arg(long, value_enum)]
    pub reason: keyhound_findings::baseline::Reason,
    /// Baseline file (default: .keyhound-baseline.json at the repository root).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `keyhound baseline …`.
#[derive(Debug, Subcommand)]
// Parsed once per run: the size of the larger variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum BaselineCommand {
    /// Scan and print a baseline accepting every current finding:
    /// `keyhound baseline create dir . > .keyhound-baseline.json`.
    #[command(subcommand)]
    Create(BaselineSource),
    /// Import another tool's accepted findings into `.keyhound-baseline.json`
    /// as keyhound fingerprints: gitleaks' `.gitleaksignore`
    /// (commit:path:rule:line entries, matched by place) or a detect-secrets
    /// `.secrets.baseline` (matched by file and SHA-1 of the secret).
    Import(ImportArgs),
}

/// The tools `baseline import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFrom {
    /// gitleaks' or Betterleaks' `.gitleaksignore`.
    Gitleaks,
    /// detect-secrets' `.secrets.baseline`.
    DetectSecrets,
}

/// `keyhound baseline import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Which tool's file.
    #[arg(long, value_enum)]
    pub from: ImportFrom,
    /// The file (default: the tool's usual name under --root).
    pub file: Option<PathBuf>,
    /// The repository the file describes; the baseline is written there.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

/// `keyhound migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The repository or directory whose files are read (and written).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// gitleaks config (default: .gitleaks.toml or gitleaks.toml in PATH).
    #[arg(long, value_name = "FILE")]
    pub gitleaks_config: Option<PathBuf>,
    /// gitleaks ignore file (default: PATH/.gitleaksignore).
    #[arg(long, value_name = "FILE")]
    pub gitleaks_ignore: Option<PathBuf>,
    /// detect-secrets baseline (default: PATH/.secrets.baseline).
    #[arg(long, value_name = "FILE")]
    pub detect_secrets_baseline: Option<PathBuf>,
    /// TruffleHog `--exclude-paths` file (newline-separated regexes).
    #[arg(long, value_name = "FILE")]
    pub trufflehog_exclude: Option<PathBuf>,
    /// Write `.keyhound.toml`, `.keyhound/gitleaks-rules.toml` and
    /// `.keyhound-baseline.json` (merged with an existing baseline).
    #[arg(long)]
    pub write: bool,
    /// Replace an existing `.keyhound.toml`.
    #[arg(long, requires = "write")]
    pub force: bool,
}

/// What `baseline create` and `inventory` scan.
#[derive(Debug, Subcommand)]
pub enum BaselineSource {
    /// A directory scan.
    Dir(DirArgs),
    /// A git scan.
    Git(GitArgs),
    /// Standard input.
    Stdin(StdinArgs),
    /// A container image.
    Image(ImageArgs),
    /// A bucket (`s3://…`, `gs://…`, `az://…`).
    Objects(ObjectsArgs),
    /// A GitHub organisation or user: one row per secret with every
    /// repository it appears in.
    Github(HostingArgs),
    /// A GitLab group or user.
    Gitlab(HostingArgs),
    /// A Bitbucket Cloud workspace.
    Bitbucket(HostingArgs),
    /// A Gitea or Forgejo organisation or user.
    Gitea(HostingArgs),
}

/// Which rules run.
#[derive(Debug, Args, Clone, Default)]
pub struct RuleArgs {
    /// Extra rule pack: a TOML file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Switch on a rule that is off by default (repeatable).
    #[arg(long = "enable-rule", value_name = "ID")]
    pub enable_rule: Vec<String>,
    /// Switch a rule off (repeatable).
    #[arg(long = "disable-rule", value_name = "ID")]
    pub disable_rule: Vec<String>,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Options every scan command shares.
#[derive(Debug, Args, Clone)]
pub struct ScanArgs {
    /// Rule selection.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Config file (default: `.keyhound.toml` at the scan root).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Let the config file change where verification sends secrets
    /// (`verify_overrides`, verifiers in its rule packs) even when it lies
    /// in the scanned tree, where anyone who can commit could have written it.
    #[arg(long)]
    pub trust_config: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Put full secrets in the output (default: redacted to a short prefix).
    #[arg(long)]
    pub show_secrets: bool,
    /// JSONL: write the findings in a stable order (path, line, column,
    /// rule) when the scan ends, instead of as they are found. Every other
    /// format is always in that order.
    #[arg(long)]
    pub sort: bool,
    /// Text: list every place a history or image finding was seen, one
    /// entry each (default: one entry per secret with its introduction
    /// and its first few places).
    #[arg(long)]
    pub all_locations: bool,
    /// No progress bar, warnings or summary on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print every warning as it happens (default: each kind of warning
    /// once at the end, with its count and first paths), and each host
    /// registry credentials are sent to (`keyhound image` from a registry).
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Scanning threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Report only findings not in this baseline (default:
    /// .keyhound-baseline.json at the scan root, if present).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// List baseline entries, config allowances and inline allow comments
    /// that matched nothing.
    #[arg(long)]
    pub report_unused_ignores: bool,
    /// Print a hook's blocking message on stderr instead of a report.
    #[arg(long, value_enum, value_name = "KIND")]
    pub hook: Option<keyhound_report::hook_message::HookKind>,
    /// Liveness verification.
    #[command(flatten)]
    pub verify: VerifyArgs,
}

/// When a scan exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding (the default).
    Any,
    /// Only a finding verified live (needs --verify).
    Live,
}

/// `--verify` and its knobs, shared by every scan command.
#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// Ask each secret's own provider whether it is live (sends found
    /// secrets over HTTPS to the hosts their rule names; off by default).
    #[arg(long)]
    pub verify: bool,
    /// Also ask each live secret's provider what it can do (identity,
    /// scopes, reachable resources) with read-only calls, rank findings by
    /// it and flag excess privilege; implies --verify.
    #[arg(long)]
    pub access: bool,
    /// Report only secrets verified live.
    #[arg(long)]
    pub only_verified: bool,
    /// Exit 1 on any finding, or only on a live one.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
    /// How verification asks.
    #[command(flatten)]
    pub knobs: VerifyKnobs,
}

impl VerifyArgs {
    /// Whether the scan verifies (`--verify`, or `--access` which needs it).
    pub fn enabled(&self) -> bool {
        self.verify || self.access
    }
}

/// How verification asks: where, how fast, how long, what it remembers
/// (shared by scans under `--verify`, `validate` and `revoke`).
#[derive(Debug, Args, Clone)]
pub struct VerifyKnobs {
    /// Send a provider host's requests to another base URL (GitHub
    /// Enterprise, a gateway, a test server): HOST=BASE_URL, repeatable;
    /// HOST may be `*.domain`.
    #[arg(long, value_name = "HOST=URL")]
    pub verify_override: Vec<keyhound_verify::http::Override>,
    /// Keep verification results in FILE and reuse them within the TTL.
    #[arg(long, value_name = "FILE")]
    pub verify_cache: Option<PathBuf>,
    /// How long cached results stay good (`90s`, `30m`, `24h`, `7d`).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub verify_cache_ttl: std::time::Duration,
    /// Timeout of one verification request.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub verify_timeout: std::time::Duration,
    /// Verification requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub verify_concurrency: usize,
    /// Requests per second to any one provider host.
    #[arg(long, value_name = "N", default_value_t = 5.0)]
    pub verify_rate: f64,
    /// Most requests the whole run may send, retries included; secrets
    /// past it are reported `unknown` (default: no limit).
    #[arg(long, value_name = "N")]
    pub verify_max_requests: Option<u64>,
    /// Also verify database and cache passwords (PostgreSQL, MySQL/MariaDB,
    /// Redis connection strings) by logging in to the host each names and
    /// disconnecting; those hosts are your own infrastructure, so this is
    /// off unless asked.
    #[arg(long)]
    pub verify_network_services: bool,
    /// PEM file of your own CA's certificates, trusted besides the web's
    /// roots when a service verifier speaks TLS (an SMTP server with an
    /// internal certificate); credentials never go over a connection
    /// whose certificate does not verify.
    #[arg(long, value_name = "FILE")]
    pub verify_ca_file: Option<std::path::PathBuf>,
}

impl VerifyKnobs {
    /// The library's options; fails on an unreadable or empty
    /// `--verify-ca-file`.
    pub fn options(&self) -> anyhow::Result<keyhound_verify::run::VerifyOptions> {
        let service_ca = match &self.verify_ca_file {
            Some(path) => {
                let pem =
                    std::fs::read(path).map_err(|e| anyhow::anyhow!("--verify-ca-file {}: {e}", path.display()))?;
                keyhound_verify::services::tls_config(Some(&pem))
                    .map_err(|e| anyhow::anyhow!("--verify-ca-file {}: {e}", path.display()))?;
                Some(pem)
            }
            None => None,
        };
        Ok(keyhound_verify::run::VerifyOptions {
            http: keyhound_verify::http::HttpOptions {
                timeout: self.verify_timeout,
                rate_per_host: self.verify_rate,
                overrides: self.verify_override.clone(),
                max_requests: self.verify_max_requests,
                ..Default::default()
            },
            concurrency: self.verify_concurrency,
            cache: self.verify_cache.clone(),
            cache_ttl: self.verify_cache_ttl,
            access: false,
            network_services: self.verify_network_services,
            service_ca,
        })
    }
}

/// Parses `500ms`, `10s`, `5m`, `24h`, `90d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: f64 = num.parse().map_err(|_| format!("not a duration: {text:?}"))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        other => return Err(format!("unknown duration unit {other:?} in {text:?} (ms, s, m, h, d)")),
    };
    std::time::Duration::try_from_secs_f64(secs).map_err(|_| format!("bad duration: {text:?}"))
}

/// `keyhound dir`.
#[derive(Debug, Args)]
pub struct DirArgs {
    /// Files and directories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Do not honour .gitignore/.ignore files: scan everything (.git/ is still skipped).
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links.
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip files larger than this (bytes, or with K/M/G suffix).
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Archive handling.
    #[command(flatten)]
    pub archives: ArchiveArgs,
    /// Shared scan options.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `keyhound objects`: a bucket or a prefix in it.
#[derive(Debug, Args, Clone)]
pub struct ObjectsArgs {
    /// `s3://bucket/prefix`, `gs://bucket/prefix` or `az://container/prefix`.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Another endpoint: an S3-compatible server (MinIO, Ceph, R2), or a
    /// GCS or Azure emulator. Plain http:// only when given here.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// S3 region (default AWS_REGION / AWS_DEFAULT_REGION, else us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// S3: a profile of ~/.aws/credentials, used when the environment has
    /// no AWS_ACCESS_KEY_ID (default AWS_PROFILE, then `default`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Azure: the storage account (default AZURE_STORAGE_ACCOUNT_NAME).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Send no credentials: a public bucket.
    #[arg(long)]
    pub anonymous: bool,
    /// Read every version of every object (S3 versioned buckets): a key
    /// overwritten or deleted stays readable in its older versions.
    #[arg(long)]
    pub all_versions: bool,
    /// Downloads in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Objects up to this size are read whole and opened if archives;
    /// larger ones are streamed in chunks (K/M/G suffixes).
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Archive handling.
    #[command(flatten)]
    pub archives: ArchiveArgs,
    /// Shared scan options.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// Archive scanning and its decompression-bomb limits.
#[derive(Debug, Args, Clone)]
pub struct ArchiveArgs {
    /// Do not open archives (zip/jar/whl, tar, gz, zst); scan them as bytes.
    #[arg(long)]
    pub no_archives: bool,
    /// How deep archives may nest.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub archive_max_depth: usize,
    /// Expanded bytes allowed per archive (K/M/G suffixes).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub archive_max_bytes: u64,
    /// Expanded bytes allowed per compressed byte.
    #[arg(long, value_name = "N", default_value_t = 250)]
    pub archive_max_ratio: u64,
    /// Members allowed per archive.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub archive_max_members: usize,
}

impl ArchiveArgs {
    /// The limits, or `None` with `--no-archives`; members obey `max_file_size`.
    pub fn limits(&self, max_member_size: u64) -> Option<keyhound_sources::archive::ArchiveLimits> {
        (!self.no_archives).then_some(keyhound_sources::archive::ArchiveLimits {
            max_depth: self.archive_max_depth,
            max_total_bytes: self.archive_max_bytes,
            max_ratio: self.archive_max_ratio,
            max_members: self.archive_max_members,
            max_member_size,
        })
    }
}

/// `keyhound stdin`.
#[derive(Debug, Args)]
pub struct StdinArgs {
    /// Name shown for the stream in reports.
    #[arg(long, default_value = "stdin")]
    pub name: String,
    /// Shared scan options.
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `keyhound rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules that would run.
    List {
        /// Rule selection.
        #[command(flatten)]
        rules: RuleArgs,
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Print counts instead of the rules: rules, providers, how many
        /// can be verified and revoked, per pack.
        #[arg(long)]
        stats: bool,
    },
    /// Run every rule's positive and negative examples.
    Test {
        /// Rule selection.
        #[command(flatten)]
        rules: RuleArgs,
        /// Test only the packs given with --rules, not the built-in ones
        /// (for pack authors editing a checkout's rules/ directory).
        #[arg(long)]
        no_builtin: bool,
    },
}

/// Formats of `keyhound exposure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExposureFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
    /// The HTML audit report with a section per key.
    Html,
}

/// Formats of `rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Text,
    /// A JSON array.
    Json,
}

/// Parses `100`, `64K`, `100M`, `1G` (binary multiples; `KiB`/`MB` accepted).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("not a size: {text:?}"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?} in {text:?}")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("size too large: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("100").unwrap(), 100);
        assert_eq!(parse_size("64K").unwrap(), 65536);
        assert_eq!(parse_size("100M").unwrap(), 100 << 20);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5X").is_err());
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("10s").unwrap().as_secs(), 10);
        assert_eq!(parse_duration("500ms").unwrap().as_millis(), 500);
        assert_eq!(parse_duration("90d").unwrap().as_secs(), 90 * 86400);
        assert!(parse_duration("1w").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

//! Package-manager credential files: .npmrc, .yarnrc(.yml), .pypirc, pip.conf, .gem/credentials, Maven settings.xml, gradle.properties, NuGet.config, Composer auth.json, Cargo credentials.toml, Docker config.json/.dockercfg, Helm repositories.

use crate::Reader;

pub(crate) const READERS: &[Reader] = &[];

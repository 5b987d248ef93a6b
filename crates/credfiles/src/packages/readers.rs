//! The packages group's readers, in the order they are tried.
//! Listed apart from the group's shared helpers (`mod.rs`), which the
//! readers use, so the modules depend one way.

use super::*;
use crate::model::Reader;

pub(crate) const READERS: &[Reader] = &[
    npm::NPMRC,
    npm::YARNRC,
    npm::YARNRC_YML,
    tools::BUNFIG,
    python::PYPIRC,
    python::PIP_CONF,
    python::REQUIREMENTS,
    python::PYPROJECT,
    python::POETRY_AUTH,
    ruby::GEM_CREDENTIALS,
    ruby::GEMRC,
    jvm::MAVEN_SETTINGS_SECURITY,
    jvm::MAVEN_SETTINGS,
    jvm::GRADLE_PROPERTIES,
    nuget::NUGET_CONFIG,
    php::COMPOSER_AUTH,
    cargo::CARGO_CREDENTIALS,
    cargo::CARGO_CONFIG,
    docker::DOCKER_CONFIG,
    docker::HELM_REPOSITORIES,
    python::CONDARC,
    jvm::SBT_CREDENTIALS,
    ruby::BUNDLER_CONFIG,
    terraform::TERRAFORMRC,
    terraform::TERRAFORM_CREDENTIALS_JSON,
    tools::GO_ENV,
    tools::JFROG_CLI,
    tools::CONAN_CREDENTIALS,
    tools::PAKET,
];

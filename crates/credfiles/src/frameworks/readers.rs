//! The frameworks group's readers, in the order they are tried.
//! Listed apart from the group's shared helpers (`mod.rs`), which the
//! readers use, so the modules depend one way.

use super::*;
use crate::model::Reader;

pub(crate) const READERS: &[Reader] = &[
    Reader {
        family: "rails-master-key",
        rule_ids: &["rails-master-key"],
        recognise: rails::recognise_master_key,
        read: rails::read_master_key,
    },
    Reader {
        family: "rails-secrets-yml",
        rule_ids: &["rails-secret-key-base", "rails-secrets-yml-secret"],
        recognise: rails::recognise_secrets_yml,
        read: rails::read_secrets_yml,
    },
    Reader {
        family: "django-settings",
        rule_ids: &[
            "django-secret-key",
            "django-settings-secret",
            "smtp-password-assignment",
            "aws-secret-access-key",
        ],
        recognise: |f, _| {
            f.name_is(&[
                "settings.py",
                "local_settings.py",
                "settings_local.py",
                "production_settings.py",
            ]) || (f.name_ends_with(&[".py"]) && parent_is(f, "settings"))
        },
        read: django::read,
    },
    Reader {
        family: "php-config",
        rule_ids: &[
            "wordpress-db-password",
            "wordpress-auth-salt",
            "drupal-database-password",
            "drupal-hash-salt",
            "joomla-configuration-secret",
            "php-config-password",
        ],
        recognise: php::recognise,
        read: php::read,
    },
    Reader {
        family: "dotnet-appsettings",
        rule_ids: &["dotnet-connection-string-password", "dotnet-config-secret"],
        recognise: dotnet::recognise_appsettings,
        read: dotnet::read_appsettings,
    },
    Reader {
        family: "dotnet-web-config",
        rule_ids: &["dotnet-connection-string-password", "dotnet-config-secret"],
        recognise: dotnet::recognise_web_config,
        read: dotnet::read_web_config,
    },
    Reader {
        family: "spring-properties",
        rule_ids: &["spring-config-secret"],
        recognise: |f, _| spring_name(f) && f.name_ends_with(&[".properties"]),
        read: spring_properties,
    },
    Reader {
        family: "spring-yaml",
        rule_ids: &["spring-config-secret"],
        recognise: |f, _| spring_name(f) && f.name_ends_with(&[".yml", ".yaml"]),
        read: spring_yaml,
    },
    Reader {
        family: "dotenv",
        rule_ids: &["dotenv-secret"],
        recognise: |f, _| dotenv_name(f),
        read: dotenv,
    },
    Reader {
        family: "java-keystore-properties",
        rule_ids: &["java-keystore-password"],
        recognise: java::recognise,
        read: java::read,
    },
];
